// Status messages: the core reports failures as codes, never by throwing or aborting, so a bad
// call can never take the host process down; the binding turns these into JS errors.
#include "blasnet_core.h"

const char* bn_status_message(bn_status status) {
  switch (status) {
    case BN_OK:
      return "ok";
    case BN_ERR_SPEC_LENGTH:
      return "the spec must be [L, n0..nL, act1..actL] with L >= 1";
    case BN_ERR_SPEC_TOO_DEEP:
      return "the spec has more layers than the native core supports (256)";
    case BN_ERR_SPEC_SIZE:
      return "every layer size in the spec must be >= 1";
    case BN_ERR_SPEC_ACTIVATION:
      return "every activation code in the spec must be in [0, 7]";
    case BN_ERR_SPEC_SOFTMAX_HIDDEN:
      return "softmax is allowed on the output layer only";
    case BN_ERR_ACTIVATION:
      return "the activation code must be in [0, 7]";
    case BN_ERR_NOT_DIFFERENTIABLE:
      return "heaviside has no derivative and cannot be backpropagated";
    case BN_ERR_LOSS:
      return "the loss code must be in [0, 4]";
    case BN_ERR_LOSS_ACTIVATION:
      return "cross-entropy needs a softmax output and binary cross-entropy a sigmoid output";
    case BN_ERR_SIZE:
      return "a size is negative or too large for BLAS";
    case BN_ERR_INDEX:
      return "a row index is past the end of the source";
    case BN_ERR_HYPER:
      return "the optimizer parameters are out of range (or momentum > 0 without a velocity "
             "buffer)";
    case BN_ERR_OVERFLOW:
      return "a product or sum of sizes does not fit in 64 bits";
    case BN_ERR_MEMORY:
      return "out of memory for the call's scratch";
    case BN_ERR_DROPOUT:
      return "every dropout rate must be in [0, 1)";
  }
  return "unknown status";
}
