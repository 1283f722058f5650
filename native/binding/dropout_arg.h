// The optional trailing `dropout` argument of forward, backward, trainBatch and trainBatches:
// a Float64Array [seed, step, p_1, ..., p_(L−1)] (lib/backend/types.ts), or undefined / null.
#ifndef BLASNET_BINDING_DROPOUT_ARG_H
#define BLASNET_BINDING_DROPOUT_ARG_H

#include <napi.h>

#include <string>

#include "../core/blasnet_core.h"
#include "../core/dropout.h"

namespace blasnet {

// The decoded argument, its rates copied out of the (possibly shared) array so that they cannot
// change under a running call.
struct DropoutArg {
  bn_dropout dropout{0, 0, rates};
  double rates[BN_MAX_LAYERS] = {};
  bool present = false;

  // The core's argument: null when absent.
  const bn_dropout* get() const { return present ? &dropout : nullptr; }
};

// Reads argument i of info when there is one (a TypeError for anything but a Float64Array,
// undefined or null; a RangeError for a wrong length, a seed outside [0, 2^32), a step that is
// not a safe integer >= 0, or a rate outside [0, 1)).
void read_dropout(const Napi::CallbackInfo& info, size_t i, const bn_layout& layout,
                  DropoutArg* out);
// The same for a value already read (a property: `name` is e.g. "run.dropout").
void read_dropout(Napi::Env env, const Napi::Value& v, const std::string& name,
                  const bn_layout& layout, DropoutArg* out);

}  // namespace blasnet

#endif  // BLASNET_BINDING_DROPOUT_ARG_H
