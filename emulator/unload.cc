#include "unload.h"

#include <cctype>
#include <cstdlib>

#include "rsx/strings.h"

namespace rsx::emu {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ParseNumber(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

struct Token {
  enum Kind { kWord, kString, kPunct, kEnd } kind = kEnd;
  std::string text;  // words upper-cased; strings unquoted
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<Token> Next() {
    SkipBlanks();
    Token t;
    if (i_ >= s_.size()) return t;
    char c = s_[i_];
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i_;
      while (i_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.'))
        ++i_;
      t.kind = Token::kWord;
      t.text = Upper(s_.substr(start, i_ - start));
      return t;
    }
    if (c == '\'') {
      // '' and \' are a quote inside; other backslashes stay as they are.
      ++i_;
      t.kind = Token::kString;
      for (;;) {
        if (i_ >= s_.size()) return Status::InvalidArgument("unterminated quoted string");
        char d = s_[i_];
        if (d == '\\' && i_ + 1 < s_.size() && s_[i_ + 1] == '\'') {
          t.text += '\'';
          i_ += 2;
        } else if (d == '\'' && i_ + 1 < s_.size() && s_[i_ + 1] == '\'') {
          t.text += '\'';
          i_ += 2;
        } else if (d == '\'') {
          ++i_;
          return t;
        } else {
          t.text += d;
          ++i_;
        }
      }
    }
    t.kind = Token::kPunct;
    t.text = std::string(1, c);
    ++i_;
    return t;
  }

 private:
  void SkipBlanks() {
    for (;;) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (s_.substr(i_, 2) == "--") {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (s_.substr(i_, 2) == "/*") {
        size_t end = s_.find("*/", i_ + 2);
        i_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        return;
      }
    }
  }
  std::string_view s_;
  size_t i_ = 0;
};

Status SyntaxError(const Token& t) {
  return Status::InvalidArgument("syntax error at or near \"" +
                                 (t.kind == Token::kEnd ? std::string("end of input") : t.text) +
                                 "\"");
}

}  // namespace

bool LooksLikeUnload(std::string_view sql) {
  Lexer lx(sql);
  auto t = lx.Next();
  return t.ok() && t->kind == Token::kWord && t->text == "UNLOAD";
}

Result<UnloadSpec> ParseUnload(std::string_view sql) {
  Lexer lx(sql);
  UnloadSpec spec;
  RSX_ASSIGN_OR_RETURN(Token t, lx.Next());
  if (t.text != "UNLOAD") return SyntaxError(t);
  RSX_ASSIGN_OR_RETURN(t, lx.Next());
  if (t.text != "(") return SyntaxError(t);
  RSX_ASSIGN_OR_RETURN(t, lx.Next());
  if (t.kind != Token::kString) return SyntaxError(t);
  spec.query = t.text;
  RSX_ASSIGN_OR_RETURN(t, lx.Next());
  if (t.text != ")") return SyntaxError(t);
  RSX_ASSIGN_OR_RETURN(t, lx.Next());
  if (t.text != "TO") return SyntaxError(t);
  RSX_ASSIGN_OR_RETURN(t, lx.Next());
  if (t.kind != Token::kString || !util::StartsWith(t.text, "s3://"))
    return Status::InvalidArgument("UNLOAD destination must be an s3:// path, got '" + t.text +
                                   "'");
  {
    std::string rest = t.text.substr(5);
    size_t slash = rest.find('/');
    spec.bucket = rest.substr(0, slash);
    spec.prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (spec.bucket.empty())
      return Status::InvalidArgument("UNLOAD destination '" + t.text + "' names no bucket");
  }
  bool have_role = false, have_format = false, have_compression = false;
  auto expect_string = [&](const char* what) -> Result<std::string> {
    RSX_ASSIGN_OR_RETURN(Token v, lx.Next());
    if (v.kind == Token::kWord && v.text == "AS") {
      RSX_ASSIGN_OR_RETURN(v, lx.Next());
    }
    if (v.kind != Token::kString)
      return Status::InvalidArgument(std::string(what) + " takes a quoted string");
    return v.text;
  };
  for (;;) {
    RSX_ASSIGN_OR_RETURN(t, lx.Next());
    if (t.kind == Token::kEnd || t.text == ";") break;
    if (t.kind != Token::kWord) return SyntaxError(t);
    const std::string& w = t.text;
    if (w == "IAM_ROLE") {
      RSX_ASSIGN_OR_RETURN(Token v, lx.Next());
      if (v.kind == Token::kWord && v.text == "DEFAULT") {
        spec.iam_role = "default";
      } else if (v.kind == Token::kString) {
        spec.iam_role = util::Split(v.text, ',')[0];  // a chain's first role
      } else {
        return Status::InvalidArgument("IAM_ROLE takes default or a quoted role ARN");
      }
      have_role = true;
    } else if (w == "CREDENTIALS" || w == "ACCESS_KEY_ID" || w == "SECRET_ACCESS_KEY" ||
               w == "SESSION_TOKEN") {
      return Status::InvalidArgument(w +
                                     " is not emulated by rsx-emulator: authorize UNLOAD with "
                                     "IAM_ROLE default or IAM_ROLE 'arn:aws:iam::...'");
    } else if (w == "FORMAT" || w == "CSV" || w == "JSON" || w == "PARQUET") {
      std::string f = w;
      if (w == "FORMAT") {
        RSX_ASSIGN_OR_RETURN(Token v, lx.Next());
        if (v.text == "AS") {
          RSX_ASSIGN_OR_RETURN(v, lx.Next());
        }
        f = v.text;
      }
      if (f == "PARQUET")
        return Status::InvalidArgument(
            "FORMAT PARQUET is not emulated by rsx-emulator (use CSV, JSON or the default "
            "delimited text)");
      if (f != "CSV" && f != "JSON") return SyntaxError(t);
      if (have_format) return Status::InvalidArgument("conflicting or redundant options: FORMAT");
      spec.format = f;
      have_format = true;
    } else if (w == "PARALLEL") {
      // An optional ON/OFF/TRUE/FALSE follows; anything else is the next option.
      Lexer peek = lx;
      RSX_ASSIGN_OR_RETURN(Token v, peek.Next());
      if (v.text == "ON" || v.text == "TRUE") {
        lx = peek;
      } else if (v.text == "OFF" || v.text == "FALSE") {
        spec.parallel = false;
        lx = peek;
      }
    } else if (w == "HEADER") {
      spec.header = true;
    } else if (w == "DELIMITER") {
      RSX_ASSIGN_OR_RETURN(spec.delimiter, expect_string("DELIMITER"));
      if (spec.delimiter.size() != 1)
        return Status::InvalidArgument("DELIMITER must be a single character");
    } else if (w == "NULL") {
      RSX_ASSIGN_OR_RETURN(std::string n, expect_string("NULL AS"));
      spec.null_as = n;
    } else if (w == "GZIP" || w == "ZSTD" || w == "BZIP2") {
      if (w == "BZIP2")
        return Status::InvalidArgument("BZIP2 is not emulated by rsx-emulator (use GZIP or ZSTD)");
      if (have_compression)
        return Status::InvalidArgument("conflicting or redundant options: compression");
      spec.compression = w == "GZIP" ? Compression::kGzip : Compression::kZstd;
      have_compression = true;
    } else if (w == "MANIFEST") {
      spec.manifest = true;
      Lexer peek = lx;
      RSX_ASSIGN_OR_RETURN(Token v, peek.Next());
      if (v.text == "VERBOSE") {
        spec.verbose = true;
        lx = peek;
      }
    } else if (w == "ALLOWOVERWRITE") {
      spec.allow_overwrite = true;
    } else if (w == "CLEANPATH") {
      spec.cleanpath = true;
    } else if (w == "ESCAPE") {
      spec.escape = true;
    } else if (w == "ADDQUOTES") {
      spec.add_quotes = true;
    } else if (w == "REGION") {
      RSX_ASSIGN_OR_RETURN(spec.region, expect_string("REGION"));
    } else if (w == "EXTENSION") {
      RSX_ASSIGN_OR_RETURN(spec.extension, expect_string("EXTENSION"));
    } else if (w == "MAXFILESIZE") {
      RSX_ASSIGN_OR_RETURN(Token v, lx.Next());
      if (v.text == "AS") {
        RSX_ASSIGN_OR_RETURN(v, lx.Next());
      }
      double n = 0;
      if (v.kind != Token::kWord || !ParseNumber(v.text, &n) || n <= 0)
        return Status::InvalidArgument("MAXFILESIZE takes a number of MB or GB");
      Lexer peek = lx;
      RSX_ASSIGN_OR_RETURN(Token unit, peek.Next());
      double scale = 1024.0 * 1024;
      if (unit.text == "GB") {
        scale *= 1024;
        lx = peek;
      } else if (unit.text == "MB") {
        lx = peek;
      }
      spec.max_file_size = static_cast<long long>(n * scale);
      if (spec.max_file_size < 5LL * 1024 * 1024 || spec.max_file_size > 6200LL * 1024 * 1024)
        return Status::InvalidArgument("MAXFILESIZE must be between 5 MB and 6.2 GB");
    } else if (w == "FIXEDWIDTH" || w == "ENCRYPTED" || w == "KMS_KEY_ID" || w == "PARTITION" ||
               w == "ROWGROUPSIZE" || w == "MASTER_SYMMETRIC_KEY") {
      return Status::InvalidArgument(w + " is not emulated by rsx-emulator");
    } else {
      return SyntaxError(t);
    }
  }
  if (!have_role)
    return Status::InvalidArgument(
        "UNLOAD needs authorization: IAM_ROLE default or IAM_ROLE 'arn:aws:iam::...'");
  if (spec.format == "JSON" &&
      (spec.header || !spec.delimiter.empty() || spec.null_as || spec.escape || spec.add_quotes))
    return Status::InvalidArgument(
        "HEADER, DELIMITER, NULL AS, ESCAPE and ADDQUOTES cannot be used with FORMAT JSON");
  if (spec.format == "CSV" && (spec.escape || spec.add_quotes))
    return Status::InvalidArgument("ESCAPE and ADDQUOTES cannot be used with FORMAT CSV");
  if (spec.allow_overwrite && spec.cleanpath)
    return Status::InvalidArgument("ALLOWOVERWRITE and CLEANPATH cannot be used together");
  if (spec.delimiter.empty()) spec.delimiter = spec.format == "CSV" ? "," : "|";
  return spec;
}

}  // namespace rsx::emu
