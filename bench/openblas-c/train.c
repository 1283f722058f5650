/*
 * The baseline blasnet is measured against: a plain C program that trains the same MLP on
 * OpenBLAS, the way one would write it by hand with BLAS at hand. Built and run by
 * bench/openblas-c.ts, which chooses OpenBLAS's best kernels for the CPU (OPENBLAS_CORETYPE) and
 * its thread count (OPENBLAS_NUM_THREADS); not part of the library.
 *
 *   train DATA N EPOCHS SIZES ACTS LOSS ETA BATCH MOMENTUM
 *   e.g. train data.bin 60000 5 784,800,10 relu,softmax crossEntropy 0.02 128 0.9
 *
 * DATA: N × n0 uint8 pixels then N uint8 labels. Inputs are converted once to float32 in
 * [0, 1] (a C program would do so). Each epoch reshuffles (xorshift), then per mini-batch of B
 * rows: gather, forward (one sgemm per layer), output delta, backward with the SGD step fused
 * into the weight-gradient sgemm (plain SGD: beta 1 into w; momentum: beta μ into the velocity,
 * then w += v), bias gradients as column sums. Prints one JSON line: seconds of each epoch and
 * the training accuracy counted on the fly.
 *
 * Row-major throughout: a batch is [B, n], w^l is [n_l, n_{l-1}] (PyTorch's nn.Linear layout).
 */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_LAYERS = 8 };
enum act { IDENTITY, SIGMOID, TANH, RELU, SOFTMAX };

static int parseAct(const char* s) {
  if (!strcmp(s, "identity")) return IDENTITY;
  if (!strcmp(s, "sigmoid")) return SIGMOID;
  if (!strcmp(s, "tanh")) return TANH;
  if (!strcmp(s, "relu")) return RELU;
  if (!strcmp(s, "softmax")) return SOFTMAX;
  fprintf(stderr, "unknown activation %s\n", s);
  exit(2);
}

static uint64_t rngState = 88172645463325252ull;
static uint64_t next(void) {
  rngState ^= rngState << 13;
  rngState ^= rngState >> 7;
  rngState ^= rngState << 17;
  return rngState;
}
static float uniform(void) {
  return (float)((next() >> 11) * (1.0 / 9007199254740992.0));
}
static float gaussian(void) {
  float u = uniform() + 1e-12f, v = uniform();
  return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* a = σ(z + b) over [rows, cols]; z keeps z + b (for σ' of ReLU). */
static void biasActivate(float* z, float* a, const float* b, int rows, int cols, int act) {
  for (int r = 0; r < rows; r++) {
    float *zr = z + (size_t)r * cols, *ar = a + (size_t)r * cols;
    for (int j = 0; j < cols; j++) zr[j] += b[j];
    if (act == SOFTMAX) {
      float m = zr[0], s = 0;
      for (int j = 1; j < cols; j++) m = zr[j] > m ? zr[j] : m;
      for (int j = 0; j < cols; j++) s += ar[j] = expf(zr[j] - m);
      for (int j = 0; j < cols; j++) ar[j] /= s;
      continue;
    }
    for (int j = 0; j < cols; j++) {
      float v = zr[j];
      ar[j] = act == SIGMOID ? 1.0f / (1.0f + expf(-v))
              : act == TANH  ? tanhf(v)
              : act == RELU  ? (v > 0 ? v : 0)
                             : v;
    }
  }
}

/* delta ← delta ∘ σ'(z), with a = σ(z). */
static void activationBackward(float* delta, const float* z, const float* a, size_t n, int act) {
  for (size_t i = 0; i < n; i++) {
    float d = act == SIGMOID ? a[i] * (1 - a[i])
              : act == TANH  ? 1 - a[i] * a[i]
              : act == RELU  ? (z[i] > 0 ? 1.0f : 0.0f)
                             : 1.0f;
    delta[i] *= d;
  }
}

int main(int argc, char** argv) {
  if (argc != 10) {
    fprintf(stderr, "usage: train DATA N EPOCHS SIZES ACTS LOSS ETA BATCH MOMENTUM\n");
    return 2;
  }
  const int n = atoi(argv[2]), epochs = atoi(argv[3]);
  int sizes[MAX_LAYERS + 1], acts[MAX_LAYERS + 1], L = 0;
  for (char* tok = strtok(argv[4], ","); tok; tok = strtok(NULL, ",")) sizes[L++] = atoi(tok);
  L -= 1; /* weight layers */
  int la = 1;
  for (char* tok = strtok(argv[5], ","); tok; tok = strtok(NULL, ",")) acts[la++] = parseAct(tok);
  const int crossEntropy = !strcmp(argv[6], "crossEntropy");
  const float eta = (float)atof(argv[7]), mu = (float)atof(argv[9]);
  const int B = atoi(argv[8]);
  const int n0 = sizes[0], nL = sizes[L];

  FILE* f = fopen(argv[1], "rb");
  if (!f) return perror(argv[1]), 1;
  uint8_t *pixels = malloc((size_t)n * n0), *labels = malloc(n);
  if (fread(pixels, 1, (size_t)n * n0, f) != (size_t)n * n0 || fread(labels, 1, n, f) != (size_t)n)
    return fprintf(stderr, "short data file\n"), 1;
  fclose(f);
  float* x = malloc(sizeof(float) * (size_t)n * n0);
  for (size_t i = 0; i < (size_t)n * n0; i++) x[i] = pixels[i] / 255.0f;

  float *w[MAX_LAYERS + 1], *b[MAX_LAYERS + 1], *v[MAX_LAYERS + 1], *vb[MAX_LAYERS + 1];
  float *z[MAX_LAYERS + 1], *a[MAX_LAYERS + 1], *delta[MAX_LAYERS + 1];
  float *xb = malloc(sizeof(float) * (size_t)B * n0), *bgrad = malloc(sizeof(float) * 4096);
  for (int l = 1; l <= L; l++) {
    size_t wn = (size_t)sizes[l] * sizes[l - 1];
    w[l] = malloc(sizeof(float) * wn);
    b[l] = calloc(sizes[l], sizeof(float));
    v[l] = calloc(wn, sizeof(float));
    vb[l] = calloc(sizes[l], sizeof(float));
    float scale = sqrtf(2.0f / sizes[l - 1]);
    for (size_t i = 0; i < wn; i++) w[l][i] = gaussian() * scale;
    z[l] = malloc(sizeof(float) * (size_t)B * sizes[l]);
    a[l] = malloc(sizeof(float) * (size_t)B * sizes[l]);
    delta[l] = malloc(sizeof(float) * (size_t)B * sizes[l]);
  }
  a[0] = xb;
  int* order = malloc(sizeof(int) * n);
  for (int i = 0; i < n; i++) order[i] = i;

  printf("{\"epochSeconds\":[");
  double accuracy = 0;
  for (int e = 0; e < epochs; e++) {
    for (int i = n - 1; i > 0; i--) {
      int j = (int)(next() % (uint64_t)(i + 1)), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    long correct = 0;
    double t0 = now();
    for (int start = 0; start < n; start += B) {
      const int rows = n - start < B ? n - start : B;
      for (int r = 0; r < rows; r++)
        memcpy(xb + (size_t)r * n0, x + (size_t)order[start + r] * n0, sizeof(float) * n0);
      /* Forward: z^l [rows, n_l] = a^(l-1) [rows, n_(l-1)] · (w^l [n_l, n_(l-1)])ᵀ, then + b, σ. */
      for (int l = 1; l <= L; l++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, sizes[l], sizes[l - 1], 1.0f,
                    a[l - 1], sizes[l - 1], w[l], sizes[l - 1], 0.0f, z[l], sizes[l]);
        biasActivate(z[l], a[l], b[l], rows, sizes[l], acts[l]);
      }
      /* Output delta: (a − y)/B for softmax + cross-entropy, (a − y) ∘ σ'(z) / B for quadratic. */
      for (int r = 0; r < rows; r++) {
        const float* ar = a[L] + (size_t)r * nL;
        float* dr = delta[L] + (size_t)r * nL;
        int best = 0;
        for (int j = 0; j < nL; j++) {
          dr[j] = (ar[j] - (j == labels[order[start + r]] ? 1.0f : 0.0f)) / rows;
          if (ar[j] > ar[best]) best = j;
        }
        correct += best == labels[order[start + r]];
      }
      if (!crossEntropy) activationBackward(delta[L], z[L], a[L], (size_t)rows * nL, acts[L]);
      for (int l = L; l >= 1; l--) {
        const int nl = sizes[l], np = sizes[l - 1];
        /* BP2 first, with w^l before its step: δ^(l-1) [rows, np] = δ^l [rows, nl] · w^l [nl, np]. */
        if (l > 1) {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, np, nl, 1.0f, delta[l], nl,
                      w[l], np, 0.0f, delta[l - 1], np);
          activationBackward(delta[l - 1], z[l - 1], a[l - 1], (size_t)rows * np, acts[l - 1]);
        }
        /* BP3: bias gradient, column sums of δ^l. */
        memset(bgrad, 0, sizeof(float) * nl);
        for (int r = 0; r < rows; r++)
          for (int j = 0; j < nl; j++) bgrad[j] += delta[l][(size_t)r * nl + j];
        /* BP4 fused with the step: −η · (δ^l)ᵀ [nl, rows] · a^(l-1) [rows, np] into w or v. */
        if (mu == 0) {
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nl, np, rows, -eta, delta[l], nl,
                      a[l - 1], np, 1.0f, w[l], np);
          for (int j = 0; j < nl; j++) b[l][j] -= eta * bgrad[j];
        } else {
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nl, np, rows, -eta, delta[l], nl,
                      a[l - 1], np, mu, v[l], np);
          cblas_saxpy(nl * np, 1.0f, v[l], 1, w[l], 1);
          for (int j = 0; j < nl; j++) {
            vb[l][j] = mu * vb[l][j] - eta * bgrad[j];
            b[l][j] += vb[l][j];
          }
        }
      }
    }
    double seconds = now() - t0;
    accuracy = (double)correct / n;
    printf("%s%.6f", e ? "," : "", seconds);
    fflush(stdout);
  }
  printf("],\"accuracy\":%.6f,\"threads\":%d,\"corename\":\"%s\",\"config\":\"%s\"}\n", accuracy,
         openblas_get_num_threads(), openblas_get_corename(), openblas_get_config());
  return 0;
}
