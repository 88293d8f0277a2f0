#include "rsx/strings.h"

#include <gtest/gtest.h>

namespace rsx::util {
namespace {

TEST(Strings, UriEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UriEncode("aZ09-_.~ /+=é"), "aZ09-_.~%20%2F%2B%3D%C3%A9");
  EXPECT_EQ(UriEncode("/a b/", true), "/a%20b/");
}

TEST(Strings, UriDecodeRoundTripsAndLeavesBadEscapes) {
  EXPECT_EQ(UriDecode(UriEncode("x y/ሴ%")), "x y/ሴ%");
  EXPECT_EQ(UriDecode("a+b"), "a+b");
  EXPECT_EQ(UriDecode("a+b", true), "a b");
  EXPECT_EQ(UriDecode("%zz%4"), "%zz%4");
}

TEST(Strings, TerminalSafeEscapesEveryControlCharacterOnly) {
  EXPECT_EQ(TerminalSafe("plain ü 日 \"q\" \\"), "plain ü 日 \"q\" \\");
  EXPECT_EQ(TerminalSafe(std::string("a\x1b[31mb\x07\n\t\x7f\0z", 13)),
            "a\\x1b[31mb\\x07\\x0a\\x09\\x7f\\x00z");
  EXPECT_EQ(TerminalSafe("\xc2\x9b"
                         "2J \xc2\x80 \xc2\xa0"),
            "\\u009b2J \\u0080 \xc2\xa0");  // NBSP kept
  EXPECT_EQ(TerminalSafe("\xc2"), "\xc2");  // a lone lead byte at the end
  for (int c = 0; c < 256; ++c) {           // nothing below 0x20 or 0x7f survives, in any position
    std::string out = TerminalSafe(std::string(1, static_cast<char>(c)) + "x");
    for (unsigned char o : out) EXPECT_TRUE(o >= 0x20 && o != 0x7f) << c;
  }
}

TEST(Strings, CollapseWhitespace) {
  EXPECT_EQ(CollapseWhitespace("  a \t b\n   c  "), "a b c");
  EXPECT_EQ(CollapseWhitespace(" \t "), "");
}

TEST(Strings, Base64RoundTrip) {
  std::string bytes("\x00\x01\xfe\xffxyz", 7);
  EXPECT_EQ(*Base64Decode(Base64Encode(bytes)), bytes);
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
  EXPECT_FALSE(Base64Decode("abc").ok());
}

TEST(Strings, ParsesAwsTimestamps) {
  auto t = ParseTimestamp("2015-08-30T12:36:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatAmzDate(*t), "20150830T123600Z");
  EXPECT_EQ(FormatIso8601(*ParseTimestamp("2015-08-30T14:36:00+02:00")), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatIso8601(*ParseTimestamp("2015-08-30T12:36:00.999Z")), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatIso8601(*ParseTimestamp("1440938160")), "2015-08-30T12:36:00Z");
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseTimestamp("2015-13-30T12:36:00Z").ok());
}

// Found by fuzz_emulator_request: years the clock's nanoseconds cannot hold were undefined
// behaviour (signed overflow), both as dates and as epoch seconds.
TEST(Strings, TimestampsBeyondTheClockAreErrors) {
  EXPECT_FALSE(ParseTimestamp("2924-01-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseTimestamp("30105302400").ok());
  EXPECT_FALSE(ParseTimestamp("1e300").ok());
  EXPECT_FALSE(ParseTimestamp("0001-01-01T00:00:00Z").ok());
  EXPECT_TRUE(ParseTimestamp("2199-12-31T23:59:59Z").ok());
}

}  // namespace
}  // namespace rsx::util
