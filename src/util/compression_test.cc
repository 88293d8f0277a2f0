#include "rsx/compression.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace rsx {
namespace {

std::string Sample(size_t n) {
  std::mt19937 rng(7);
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + rng() % 7);  // compressible
  return s;
}

std::string RoundTrip(Compression c, const std::string& in, size_t write_piece, size_t read_piece) {
  auto w = Compressor::Make(c);
  std::string packed;
  for (size_t i = 0; i < in.size(); i += write_piece)
    EXPECT_TRUE(w->Write(std::string_view(in).substr(i, write_piece), &packed).ok());
  EXPECT_TRUE(w->Finish(&packed).ok());
  auto r = Decompressor::Make(c);
  std::string out;
  for (size_t i = 0; i < packed.size(); i += read_piece)
    EXPECT_TRUE(r->Write(std::string_view(packed).substr(i, read_piece), &out).ok());
  EXPECT_TRUE(r->Finish().ok());
  return out;
}

TEST(Compression, RoundTripsInAnyPieces) {
  std::string data = Sample(1 << 20);
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    EXPECT_EQ(RoundTrip(c, data, 1 << 20, 1 << 20), data) << CompressionName(c);
    EXPECT_EQ(RoundTrip(c, data, 1000, 7), data) << CompressionName(c);
    EXPECT_EQ(RoundTrip(c, "", 1, 1), "") << CompressionName(c);
  }
}

// The files are read by other tools too: the gzip and zstd commands must read what this writes.
TEST(Compression, CommandLineToolsReadIt) {
  std::string data = Sample(300000);
  for (auto [c, cmd] :
       {std::pair{Compression::kGzip, "gzip -dc"}, std::pair{Compression::kZstd, "zstd -dqc"}}) {
    auto w = Compressor::Make(c);
    std::string packed;
    ASSERT_TRUE(w->Write(data, &packed).ok());
    ASSERT_TRUE(w->Finish(&packed).ok());
    std::string path = ::testing::TempDir() + "/rsx-compression-test";
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(packed.data(), 1, packed.size(), f);
    std::fclose(f);
    FILE* p = popen((std::string(cmd) + " " + path).c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << cmd;
    EXPECT_EQ(out, data) << cmd;
    std::remove(path.c_str());
  }
}

TEST(Compression, ConcatenatedMembersAreOneStream) {
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    std::string packed;
    for (const char* part : {"first,", "second"}) {
      auto w = Compressor::Make(c);
      ASSERT_TRUE(w->Write(part, &packed).ok());
      ASSERT_TRUE(w->Finish(&packed).ok());
    }
    auto r = Decompressor::Make(c);
    std::string out;
    ASSERT_TRUE(r->Write(packed, &out).ok());
    EXPECT_TRUE(r->Finish().ok());
    EXPECT_EQ(out, "first,second") << CompressionName(c);
  }
}

TEST(Compression, TruncatedAndCorruptInputAreErrors) {
  std::string data = Sample(100000);
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    auto w = Compressor::Make(c);
    std::string packed;
    ASSERT_TRUE(w->Write(data, &packed).ok());
    ASSERT_TRUE(w->Finish(&packed).ok());
    auto r = Decompressor::Make(c);
    std::string out;
    ASSERT_TRUE(r->Write(std::string_view(packed).substr(0, packed.size() / 2), &out).ok());
    EXPECT_FALSE(r->Finish().ok()) << CompressionName(c);
    auto bad = Decompressor::Make(c);
    std::string junk = "this is not " + std::string(CompressionName(c)) + " data at all";
    out.clear();
    EXPECT_FALSE(bad->Write(junk, &out).ok()) << CompressionName(c);
  }
}

TEST(Compression, Names) {
  EXPECT_EQ(*ParseCompression("GZIP"), Compression::kGzip);
  EXPECT_EQ(*ParseCompression(""), Compression::kNone);
  EXPECT_EQ(*ParseCompression("zstd"), Compression::kZstd);
  auto bad = ParseCompression("bzip2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("none, gzip or zstd"), std::string::npos);
  EXPECT_STREQ(CompressionSuffix(Compression::kZstd), ".zst");
}

}  // namespace
}  // namespace rsx
