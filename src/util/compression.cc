#include "rsx/compression.h"

#include <zlib.h>
#include <zstd.h>

#include "rsx/strings.h"

namespace rsx {

Result<Compression> ParseCompression(std::string_view name) {
  std::string n = util::ToLower(std::string(name));
  if (n.empty() || n == "none") return Compression::kNone;
  if (n == "gzip") return Compression::kGzip;
  if (n == "zstd") return Compression::kZstd;
  return Status::InvalidArgument("compression must be none, gzip or zstd, got '" +
                                 std::string(name) + "'");
}

const char* CompressionName(Compression c) {
  return c == Compression::kGzip ? "gzip" : c == Compression::kZstd ? "zstd" : "none";
}

const char* CompressionSuffix(Compression c) {
  return c == Compression::kGzip ? ".gz" : c == Compression::kZstd ? ".zst" : "";
}

namespace {

constexpr size_t kChunk = 64 * 1024;

class Identity final : public Compressor, public Decompressor {
 public:
  Status Write(std::string_view in, std::string* out) override {
    out->append(in);
    return Status::OK();
  }
  Status Finish(std::string*) override { return Status::OK(); }
  Status Finish() override { return Status::OK(); }
};

class GzipWriter final : public Compressor {
 public:
  GzipWriter() { deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY); }
  ~GzipWriter() override { deflateEnd(&z_); }
  Status Write(std::string_view in, std::string* out) override { return Run(in, Z_NO_FLUSH, out); }
  Status Finish(std::string* out) override { return Run({}, Z_FINISH, out); }

 private:
  Status Run(std::string_view in, int flush, std::string* out) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      size_t at = out->size();
      out->resize(at + kChunk);
      z_.next_out = reinterpret_cast<Bytef*>(out->data() + at);
      z_.avail_out = kChunk;
      int rc = deflate(&z_, flush);
      out->resize(at + kChunk - z_.avail_out);
      if (rc == Z_STREAM_ERROR) return Status::Internal("gzip: deflate failed");
      if (flush == Z_FINISH ? rc == Z_STREAM_END : z_.avail_out != 0) return Status::OK();
    }
  }
  z_stream z_{};
};

class GzipReader final : public Decompressor {
 public:
  GzipReader() { inflateInit2(&z_, 15 + 16); }
  ~GzipReader() override { inflateEnd(&z_); }
  Status Write(std::string_view in, std::string* out) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    while (z_.avail_in > 0) {
      if (ended_) {  // another member follows
        inflateReset(&z_);
        ended_ = false;
      }
      size_t at = out->size();
      out->resize(at + kChunk);
      z_.next_out = reinterpret_cast<Bytef*>(out->data() + at);
      z_.avail_out = kChunk;
      int rc = inflate(&z_, Z_NO_FLUSH);
      out->resize(at + kChunk - z_.avail_out);
      if (rc == Z_STREAM_END) {
        ended_ = true;
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        return Status::InvalidArgument(std::string("gzip: corrupt data (") +
                                       (z_.msg ? z_.msg : "inflate failed") + ")");
      if (rc == Z_BUF_ERROR && z_.avail_out != 0) break;
    }
    started_ = true;
    return Status::OK();
  }
  Status Finish() override {
    if (started_ && !ended_) return Status::InvalidArgument("gzip: the data ends mid-stream");
    return Status::OK();
  }

 private:
  z_stream z_{};
  bool ended_ = false, started_ = false;
};

class ZstdWriter final : public Compressor {
 public:
  ZstdWriter() : c_(ZSTD_createCCtx()) {}
  ~ZstdWriter() override { ZSTD_freeCCtx(c_); }
  Status Write(std::string_view in, std::string* out) override {
    return Run(in, ZSTD_e_continue, out);
  }
  Status Finish(std::string* out) override { return Run({}, ZSTD_e_end, out); }

 private:
  Status Run(std::string_view in, ZSTD_EndDirective mode, std::string* out) {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    for (;;) {
      size_t at = out->size();
      out->resize(at + kChunk);
      ZSTD_outBuffer output{out->data() + at, kChunk, 0};
      size_t left = ZSTD_compressStream2(c_, &output, &input, mode);
      out->resize(at + output.pos);
      if (ZSTD_isError(left))
        return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(left));
      bool done = mode == ZSTD_e_end ? left == 0 : input.pos == input.size;
      if (done) return Status::OK();
    }
  }
  ZSTD_CCtx* c_;
};

class ZstdReader final : public Decompressor {
 public:
  ZstdReader() : d_(ZSTD_createDCtx()) {}
  ~ZstdReader() override { ZSTD_freeDCtx(d_); }
  Status Write(std::string_view in, std::string* out) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    while (input.pos < input.size) {
      size_t at = out->size();
      out->resize(at + kChunk);
      ZSTD_outBuffer output{out->data() + at, kChunk, 0};
      size_t rc = ZSTD_decompressStream(d_, &output, &input);
      out->resize(at + output.pos);
      if (ZSTD_isError(rc))
        return Status::InvalidArgument(std::string("zstd: corrupt data (") + ZSTD_getErrorName(rc) +
                                       ")");
      pending_ = rc != 0;
    }
    // Output may still be buffered inside the context after the input is consumed.
    for (;;) {
      size_t at = out->size();
      out->resize(at + kChunk);
      ZSTD_inBuffer none{nullptr, 0, 0};
      ZSTD_outBuffer output{out->data() + at, kChunk, 0};
      size_t rc = ZSTD_decompressStream(d_, &output, &none);
      out->resize(at + output.pos);
      if (ZSTD_isError(rc))
        return Status::InvalidArgument(std::string("zstd: corrupt data (") + ZSTD_getErrorName(rc) +
                                       ")");
      if (output.pos < kChunk) break;
    }
    return Status::OK();
  }
  Status Finish() override {
    if (pending_) return Status::InvalidArgument("zstd: the data ends mid-frame");
    return Status::OK();
  }

 private:
  ZSTD_DCtx* d_;
  bool pending_ = false;
};

}  // namespace

std::unique_ptr<Compressor> Compressor::Make(Compression c) {
  if (c == Compression::kGzip) return std::make_unique<GzipWriter>();
  if (c == Compression::kZstd) return std::make_unique<ZstdWriter>();
  return std::make_unique<Identity>();
}

std::unique_ptr<Decompressor> Decompressor::Make(Compression c) {
  if (c == Compression::kGzip) return std::make_unique<GzipReader>();
  if (c == Compression::kZstd) return std::make_unique<ZstdReader>();
  return std::make_unique<Identity>();
}

}  // namespace rsx
