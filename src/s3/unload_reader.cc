// Reading an UNLOAD's files: ranged GETs run ahead of the reader on a few threads, into a
// bounded window; the reader decompresses and cuts lines in manifest order.

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "rsx/unload.h"
#include "util/json_access.h"

namespace rsx {

namespace {
// Compressed bytes decompressed (and their lines handed on) at a time.
constexpr size_t kInflateSlice = 256 << 10;
}  // namespace

Result<UnloadManifest> ParseUnloadManifest(std::string_view text) {
  namespace ja = json_access;
  RSX_ASSIGN_OR_RETURN(ja::json doc, ja::Parse(text, "the UNLOAD manifest"));
  RSX_RETURN_IF_ERROR(ja::ExpectObject(doc, "manifest"));
  RSX_ASSIGN_OR_RETURN(const ja::json* entries, ja::Member(doc, "entries", "manifest"));
  if (!entries || !entries->is_array())
    return Status::InvalidArgument("manifest.entries: expected a list, found " +
                                   (entries ? ja::Describe(*entries) : std::string("nothing")));
  UnloadManifest m;
  for (size_t i = 0; i < entries->size(); ++i) {
    std::string where = "manifest.entries[" + std::to_string(i) + "]";
    const ja::json& e = (*entries)[i];
    RSX_RETURN_IF_ERROR(ja::ExpectObject(e, where));
    RSX_ASSIGN_OR_RETURN(std::string url, ja::String(e, "url", where));
    RSX_ASSIGN_OR_RETURN(S3Location loc, ParseS3Url(url));
    RSX_ASSIGN_OR_RETURN(const ja::json* meta, ja::Member(e, "meta", where));
    if (!meta) return Status::InvalidArgument(where + ".meta: missing");
    RSX_RETURN_IF_ERROR(ja::ExpectObject(*meta, where + ".meta"));
    UnloadManifest::Entry entry{loc.bucket, loc.key, 0, -1};
    RSX_ASSIGN_OR_RETURN(entry.content_length,
                         ja::OptInt(*meta, "content_length", where + ".meta", -1));
    RSX_ASSIGN_OR_RETURN(entry.record_count,
                         ja::OptInt(*meta, "record_count", where + ".meta", -1));
    if (entry.content_length < 0)
      return Status::InvalidArgument(where + ".meta.content_length: expected a size in bytes");
    m.entries.push_back(std::move(entry));
  }
  RSX_ASSIGN_OR_RETURN(const ja::json* schema, ja::Member(doc, "schema", "manifest"));
  if (schema) {
    RSX_RETURN_IF_ERROR(ja::ExpectObject(*schema, "manifest.schema"));
    RSX_ASSIGN_OR_RETURN(const ja::json* elements,
                         ja::Member(*schema, "elements", "manifest.schema"));
    if (elements && elements->is_array())
      for (size_t i = 0; i < elements->size(); ++i) {
        std::string where = "manifest.schema.elements[" + std::to_string(i) + "]";
        RSX_RETURN_IF_ERROR(ja::ExpectObject((*elements)[i], where));
        RSX_ASSIGN_OR_RETURN(std::string name, ja::String((*elements)[i], "name", where));
        m.columns.push_back(std::move(name));
      }
  }
  return m;
}

namespace {

struct Range {
  size_t entry;
  long long first, last;  // inclusive
  bool final;             // the file's last range
};

}  // namespace

Status ReadUnloadFiles(S3Client& s3, const UnloadManifest& manifest,
                       const UnloadReadOptions& options,
                       const std::function<Status(size_t, std::string_view)>& lines,
                       const std::function<Status(size_t)>& file_done) {
  std::vector<Range> plan;
  for (size_t i = options.first_entry; i < manifest.entries.size(); ++i) {
    long long size = manifest.entries[i].content_length;
    long long step = std::max(1LL << 16, options.range_bytes);
    if (size == 0) plan.push_back({i, -1, -1, true});
    for (long long at = 0; at < size; at += step)
      plan.push_back({i, at, std::min(size, at + step) - 1, at + step >= size});
  }
  const size_t window = static_cast<size_t>(std::max(1, options.connections)) * 2;
  std::mutex mu;
  std::condition_variable changed;
  size_t next_fetch = 0, consumed = 0;
  std::map<size_t, Result<std::string>> ready;  // by plan index
  bool stop = false;

  auto fetcher = [&] {
    for (;;) {
      size_t mine;
      {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock,
                     [&] { return stop || next_fetch < std::min(plan.size(), consumed + window); });
        if (stop || next_fetch >= plan.size()) return;
        mine = next_fetch++;
      }
      const Range& r = plan[mine];
      const auto& e = manifest.entries[r.entry];
      Result<std::string> got = r.first < 0 ? Result<std::string>(std::string())
                                            : s3.Get(e.bucket, e.key, r.first, r.last);
      if (got.ok() && r.first >= 0 && static_cast<long long>(got->size()) != r.last - r.first + 1)
        got = Status::IoError("s3://" + e.bucket + "/" + e.key + " is shorter than the " +
                              std::to_string(e.content_length) +
                              " bytes its manifest gives (changed or truncated since UNLOAD?)");
      std::lock_guard<std::mutex> lock(mu);
      ready.emplace(mine, std::move(got));
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, options.connections); ++t) threads.emplace_back(fetcher);

  Status result;
  std::unique_ptr<Decompressor> inflate;
  std::string text, carry;
  long long records = 0;
  for (size_t i = 0; i < plan.size() && result.ok(); ++i) {
    Result<std::string> piece = std::string();
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return ready.count(i) > 0; });
      piece = std::move(ready.at(i));
      ready.erase(i);
      consumed = i + 1;
      changed.notify_all();
    }
    const Range& r = plan[i];
    const auto& e = manifest.entries[r.entry];
    std::string where = "s3://" + e.bucket + "/" + e.key;
    if (!piece.ok()) {
      result = Status(piece.status()).Prepend(where);
      break;
    }
    if (!inflate) {
      inflate = Decompressor::Make(options.compression);
      carry.clear();
      records = 0;
    }
    // Decompressed a slice at a time, so a block of lines stays small whatever the ratio.
    std::string_view input = *piece;
    for (size_t at = 0; at < input.size() || input.empty(); at += kInflateSlice) {
      text.clear();
      if (Status st = inflate->Write(input.substr(at, kInflateSlice), &text); !st.ok()) {
        result = st.Prepend(where);
        break;
      }
      carry += text;
      size_t cut = carry.rfind('\n');
      if (cut != std::string::npos) {
        std::string_view block(carry.data(), cut + 1);
        records += std::count(block.begin(), block.end(), '\n');
        if (Status st = lines(r.entry, block); !st.ok()) {
          result = st;
          break;
        }
        carry.erase(0, cut + 1);
      }
      if (input.empty()) break;
    }
    if (!result.ok()) break;
    if (!r.final) continue;
    if (Status st = inflate->Finish(); !st.ok()) {
      result = st.Prepend(where);
      break;
    }
    inflate.reset();
    if (!carry.empty()) {
      result = Status::IoError(where + " ends inside a line (a truncated file?)");
      break;
    }
    if (e.record_count >= 0 && records != e.record_count) {
      result = Status::IoError(where + " holds " + std::to_string(records) +
                               " lines; its manifest says " + std::to_string(e.record_count));
      break;
    }
    if (Status st = file_done(r.entry); !st.ok()) result = st;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
    changed.notify_all();
  }
  for (auto& t : threads) t.join();
  return result;
}

}  // namespace rsx
