// The query box: one read-only statement on a connection, its status, its first rows, cancel.
// The statement runs in Redshift under the connection's role; the store keeps its id only, so
// any process of the service can answer for it.

#include "rsx/connection.h"
#include "rsx/statement_runner.h"
#include "service/api_internal.h"
#include "service/keys.h"

namespace rsx::service::api {
namespace {

// The first `limit` rows as text (NULL as null), then stop reading.
class FirstRows : public ResultConsumer {
 public:
  explicit FirstRows(size_t limit) : limit_(limit) {}
  Status OnColumns(const std::vector<ColumnInfo>& columns) override {
    for (const auto& c : columns)
      this->columns.push_back({{"name", c.name}, {"type", c.type_name}});
    return Status::OK();
  }
  Status OnPage(const DecodedPage& p) override {
    for (size_t r = 0; r < p.num_rows && rows.size() < limit_; ++r) {
      json row = json::array();
      for (size_t c = 0; c < p.num_cols; ++c) {
        const Cell& cell = p.at(r, c);
        switch (cell.kind) {
          case CellKind::kNull:
            row.push_back(nullptr);
            break;
          case CellKind::kLong:
            row.push_back(std::to_string(cell.l));
            break;
          case CellKind::kBool:
            row.push_back(cell.b ? "true" : "false");
            break;
          default: {
            std::string scratch;
            row.push_back(std::string(CellText(cell, &scratch)));
          }
        }
      }
      rows.push_back(std::move(row));
    }
    if (rows.size() >= limit_) return Status::Cancelled("enough rows");
    return Status::OK();
  }
  json columns = json::array();
  json rows = json::array();

 private:
  size_t limit_;
};

json QueryJson(const QueryRecord& q, json result) {
  return {{"id", q.id},
          {"connection_id", q.connection_id},
          {"sql", q.sql},
          {"status", q.status},
          {"statement_id", q.statement_id.empty() ? json(nullptr) : json(q.statement_id)},
          {"error", q.error.empty() ? json(nullptr) : json(q.error)},
          {"limit", q.limit},
          {"created_at", Rfc3339(q.created_at)},
          {"result", std::move(result)}};
}

bool Finished(const std::string& status) {
  return status == "FINISHED" || status == "FAILED" || status == "ABORTED";
}

Result<QueryRecord> OwnQuery(ApiContext& ctx, const Call& call) {
  auto q = ctx.store.GetQuery(call.org_id, call.params[0]);
  if (!q.ok() && q.status().code() == StatusCode::kNotFound) return NotFound("query");
  return q;
}

// The query's connection, opened (the role assumed with the organization's external ID).
Result<std::shared_ptr<Connection>> OpenFor(ApiContext& ctx, const Call& call,
                                            const std::string& connection_id) {
  RSX_ASSIGN_OR_RETURN(Organization org, CallerOrg(ctx, call));
  auto c = ctx.store.GetConnection(call.org_id, connection_id);
  if (!c.ok()) return NotFound("connection");
  auto conn = ctx.connections->Get(*c, org, ctx.options.runtime);
  if (!conn.ok()) return Upstream(conn.status(), "opening the connection");
  return *conn;
}

}  // namespace

Result<Reply> CreateQuery(ApiContext& ctx, Call& call) {
  RSX_RETURN_IF_ERROR(OnlyFields(call.body, {"sql", "limit"}, ""));
  RSX_ASSIGN_OR_RETURN(ConnectionRecord c, OwnConnection(ctx, call));
  QueryRecord q;
  q.id = NewId("qry");
  q.org_id = call.org_id;
  q.connection_id = c.id;
  RSX_ASSIGN_OR_RETURN(q.sql, GetString(call.body, "sql", "", true, 100000));
  RSX_ASSIGN_OR_RETURN(long long limit, GetInt(call.body, "limit", "", 100, 1, 1000));
  q.limit = static_cast<int>(limit);
  if (Status st = CheckReadOnlySql(q.sql); !st.ok())
    return HttpError(422, "not_read_only", st.message(), "sql");
  RSX_ASSIGN_OR_RETURN(auto conn, OpenFor(ctx, call, c.id));
  ExecuteRequest req;
  req.sql = q.sql;
  req.statement_name = "rsx-console";
  req.client_token = NewId("tok");
  auto exec = conn->client().ExecuteStatement(req);
  if (!exec.ok()) return Upstream(exec.status(), "running the statement");
  q.statement_id = exec->id;
  q.created_at = NowMillis();
  RSX_RETURN_IF_ERROR(ctx.store.PutQuery(q, true));
  return Reply{201, QueryJson(q, nullptr)};
}

// The statement's status from Redshift; once FINISHED, its first `limit` rows.
Result<Reply> GetQuery(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(QueryRecord q, OwnQuery(ctx, call));
  RSX_ASSIGN_OR_RETURN(auto conn, OpenFor(ctx, call, q.connection_id));
  auto d = conn->client().DescribeStatement(q.statement_id);
  if (!d.ok()) return Upstream(d.status(), "reading the statement's status");
  if (d->status != q.status || d->error != q.error) {
    q.status = d->status;
    q.error = d->error;
    RSX_RETURN_IF_ERROR(ctx.store.PutQuery(q, false));
  }
  json result = nullptr;
  if (q.status == "FINISHED") {
    FirstRows rows(static_cast<size_t>(q.limit));
    if (d->has_result_set) {
      RunOptions o;
      o.max_pages_ahead = 1;
      auto fetched = FetchResult(conn->client(), q.statement_id, o, &rows);
      if (!fetched.ok()) return Upstream(fetched.status(), "reading the result");
    }
    long long total = d->result_rows;
    result = {{"columns", rows.columns},
              {"rows", rows.rows},
              {"total_rows", total >= 0 ? json(total) : json(nullptr)},
              {"truncated", total > static_cast<long long>(rows.rows.size())}};
  }
  return Reply{200, QueryJson(q, std::move(result))};
}

Result<Reply> CancelQuery(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(QueryRecord q, OwnQuery(ctx, call));
  if (Finished(q.status))
    return HttpError(409, "query_ended", "the statement has already ended (" + q.status + ")");
  RSX_ASSIGN_OR_RETURN(auto conn, OpenFor(ctx, call, q.connection_id));
  if (Status st = CancelAndConfirm(conn->client(), q.statement_id); !st.ok())
    return Upstream(st, "cancelling the statement");
  auto d = conn->client().DescribeStatement(q.statement_id);
  if (d.ok()) {
    q.status = d->status;
    q.error = d->error;
    RSX_RETURN_IF_ERROR(ctx.store.PutQuery(q, false));
  }
  return Reply{202, QueryJson(q, nullptr)};
}

}  // namespace rsx::service::api
