#include "engine/codec/zstd_stage.h"

#include <zstd.h>

#include <memory>

namespace tally::codec {
namespace {

struct CompressionContext {
  CompressionContext() : context(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, kBlockZstdLevel);
    ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(context, ZSTD_c_dictIDFlag, 0);
  }
  ~CompressionContext() { ZSTD_freeCCtx(context); }
  ZSTD_CCtx* context;
};

struct DecompressionContext {
  DecompressionContext() : context(ZSTD_createDCtx()) {}
  ~DecompressionContext() { ZSTD_freeDCtx(context); }
  ZSTD_DCtx* context;
};

}  // namespace

bool AppendZstd(std::string_view input, std::string* out) {
  thread_local CompressionContext cctx;
  const size_t start = out->size();
  out->resize(start + ZSTD_compressBound(input.size()));
  size_t written = ZSTD_compress2(cctx.context, out->data() + start, out->size() - start, input.data(),
                                  input.size());
  out->resize(start + (ZSTD_isError(written) ? 0 : written));
  return !ZSTD_isError(written);
}

bool DecompressZstdExactly(std::string_view frame, char* dst, size_t size) {
  thread_local DecompressionContext dctx;
  size_t produced = ZSTD_decompressDCtx(dctx.context, dst, size, frame.data(), frame.size());
  return !ZSTD_isError(produced) && produced == size;
}

}  // namespace tally::codec
