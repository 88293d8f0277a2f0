// The store keeps organizations apart: every organization-scoped call with another
// organization's id behaves as if the object did not exist.

#include "service/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>

#include "service/keys.h"

namespace rsx::service {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rsx-store-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = Store::Open("sqlite:" + dir_ + "/s.db");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::string cmd = "rm -rf " + dir_;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  Organization Org(const std::string& name) {
    Organization o{NewId("org"), name, NewExternalId(), NowMillis()};
    EXPECT_TRUE(store_->CreateOrganization(o, NewApiKey(o.id, "k", 1).record).ok());
    return o;
  }
  SyncRecord NewSync(const std::string& org_id, const std::string& connection_id) {
    SyncRecord s;
    s.id = NewId("sync");
    s.org_id = org_id;
    s.connection_id = connection_id;
    s.path = "p";
    return s;
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, EveryScopedCallIgnoresAnotherOrganizationsIds) {
  Organization a = Org("a"), b = Org("b");
  ConnectionRecord c;
  c.id = NewId("conn");
  c.org_id = a.id;
  c.name = "c";
  ASSERT_TRUE(store_->PutConnection(c, true).ok());
  SyncRecord s = NewSync(a.id, c.id);
  ASSERT_TRUE(store_->PutSync(s, true).ok());
  ASSERT_TRUE(store_->SaveState(a.id, s.id, "{\"streams\":{}}").ok());
  RunRecord r;
  r.id = NewId("run");
  r.org_id = a.id;
  r.sync_id = s.id;
  ASSERT_TRUE(store_->CreateRun(r).ok());
  ASSERT_TRUE(store_->AppendLog(a.id, r.id, 1, "info", "hello").ok());
  QueryRecord q;
  q.id = NewId("qry");
  q.org_id = a.id;
  q.connection_id = c.id;
  q.sql = "select 1";
  ASSERT_TRUE(store_->PutQuery(q, true).ok());
  auto keys = store_->ListApiKeys(a.id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);

  auto nf = [](const Status& st) { return st.code() == StatusCode::kNotFound; };
  EXPECT_TRUE(nf(store_->GetConnection(b.id, c.id).status()));
  ConnectionRecord stolen = c;
  stolen.org_id = b.id;
  EXPECT_TRUE(nf(store_->PutConnection(stolen, false)));
  EXPECT_TRUE(nf(store_->DeleteConnection(b.id, c.id)));
  EXPECT_TRUE(nf(store_->GetSync(b.id, s.id).status()));
  SyncRecord stolen_sync = s;
  stolen_sync.org_id = b.id;
  EXPECT_TRUE(nf(store_->PutSync(stolen_sync, false)));
  EXPECT_TRUE(nf(store_->DeleteSync(b.id, s.id)));
  EXPECT_TRUE(nf(store_->LoadState(b.id, s.id).status()));
  EXPECT_TRUE(nf(store_->SaveState(b.id, s.id, "{}")));
  EXPECT_TRUE(nf(store_->GetRun(b.id, r.id).status()));
  EXPECT_TRUE(nf(store_->RequestCancel(b.id, r.id, 1).status()));
  RunRecord stolen_run = r;
  stolen_run.org_id = b.id;
  EXPECT_TRUE(nf(store_->UpdateRun(stolen_run, "")));
  EXPECT_TRUE(nf(store_->Heartbeat(b.id, r.id, "w", 1).status()));
  EXPECT_TRUE(nf(store_->RevokeApiKey(b.id, (*keys)[0].id, 1)));
  EXPECT_TRUE(nf(store_->GetQuery(b.id, q.id).status()));
  QueryRecord stolen_query = q;
  stolen_query.org_id = b.id;
  EXPECT_TRUE(nf(store_->PutQuery(stolen_query, false)));
  EXPECT_EQ(store_->GetQuery(a.id, q.id)->sql, "select 1");
  EXPECT_TRUE(store_->ListConnections(b.id, "", 50)->items.empty());
  EXPECT_TRUE(store_->ListSyncs(b.id, "", 50)->items.empty());
  EXPECT_TRUE(store_->ListRuns(b.id, s.id, "", 50)->items.empty());
  EXPECT_TRUE(store_->ListLogs(b.id, r.id, "", 50)->items.empty());
  EXPECT_EQ(store_->ListApiKeys(b.id)->size(), 1u);  // b's own initial key only
  EXPECT_NE((*store_->ListApiKeys(b.id))[0].id, (*keys)[0].id);

  // Nothing of a's changed.
  EXPECT_EQ(store_->GetConnection(a.id, c.id)->name, "c");
  EXPECT_EQ(*store_->LoadState(a.id, s.id), "{\"streams\":{}}");
  EXPECT_EQ(store_->GetRun(a.id, r.id)->status, "queued");
  EXPECT_EQ(store_->ListLogs(a.id, r.id, "", 50)->items.size(), 1u);
}

TEST_F(StoreTest, OneActiveRunPerSyncAndClaimsAndLeases) {
  Organization a = Org("a");
  SyncRecord s = NewSync(a.id, "c");
  ASSERT_TRUE(store_->PutSync(s, true).ok());
  RunRecord r;
  r.id = NewId("run");
  r.org_id = a.id;
  r.sync_id = s.id;
  ASSERT_TRUE(store_->CreateRun(r).ok());
  RunRecord r2 = r;
  r2.id = NewId("run");
  EXPECT_EQ(store_->CreateRun(r2).code(), StatusCode::kConflict);
  auto claimed = store_->ClaimRun("w1", 1000);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->id, r.id);
  EXPECT_FALSE(store_->ClaimRun("w2", 1000)->has_value());  // nothing else queued
  EXPECT_TRUE(store_->Heartbeat(a.id, r.id, "w1", 2000).ok());
  EXPECT_FALSE(store_->Heartbeat(a.id, r.id, "w2", 2000).ok());  // not w2's
  EXPECT_EQ(*store_->RequeueExpired(1500), 0);                   // the lease holds until 2000
  EXPECT_EQ(*store_->RequeueExpired(2500), 1);                   // expired: back in the queue
  EXPECT_FALSE(store_->Heartbeat(a.id, r.id, "w1", 3000).ok());  // w1 lost it
  auto again = store_->ClaimRun("w2", 5000);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->attempt, 2);
  EXPECT_EQ((*again)->trigger, "retry");
  auto nf = [](const Status& st) { return st.code() == StatusCode::kNotFound; };
  EXPECT_TRUE(nf(store_->UpdateRun(**again, "w1")));  // w1 lost its lease: its writes are refused
  EXPECT_TRUE(store_->UpdateRun(**again, "w2").ok());
  auto cancelled = store_->RequestCancel(a.id, r.id, 1);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_TRUE(cancelled->cancel_requested);
  EXPECT_TRUE(*store_->Heartbeat(a.id, r.id, "w2", 6000));  // the worker learns of the cancel
}

TEST_F(StoreTest, ScheduleRunQueuesOncePerSlot) {
  Organization a = Org("a");
  SyncRecord s = NewSync(a.id, "c");
  s.schedule_type = "interval";
  s.every_seconds = 60;
  s.next_run_at = 1000;
  ASSERT_TRUE(store_->PutSync(s, true).ok());
  auto due = store_->DueSyncs(1500);
  ASSERT_EQ(due->size(), 1u);
  RunRecord r;
  r.id = NewId("run");
  r.org_id = a.id;
  r.sync_id = s.id;
  EXPECT_TRUE(*store_->ScheduleRun(a.id, s.id, 1000, 61000, r));
  r.id = NewId("run");
  EXPECT_FALSE(*store_->ScheduleRun(a.id, s.id, 1000, 61000, r));  // the slot was taken
  EXPECT_TRUE(store_->DueSyncs(1500)->empty());
  EXPECT_EQ(store_->ListRuns(a.id, s.id, "", 50)->items.size(), 1u);
  // The next slot comes while that run is still queued: skipped, and the run's log says so.
  RunRecord first = store_->ListRuns(a.id, s.id, "", 50)->items[0];
  r.id = NewId("run");
  r.scheduled_for = 61000;
  EXPECT_FALSE(*store_->ScheduleRun(a.id, s.id, 61000, 121000, r));
  auto logs = store_->ListLogs(a.id, first.id, "", 50);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->items.size(), 1u);
  EXPECT_EQ(logs->items[0].message,
            "scheduled slot 1970-01-01T00:01:01.000Z skipped: this run was still queued");
  EXPECT_EQ(store_->ListRuns(a.id, s.id, "", 50)->items.size(), 1u);
}

TEST_F(StoreTest, MigrationsAreVersionedAndANewerStoreIsRefused) {
  EXPECT_EQ(store_->SchemaVersion(), 2);
  store_.reset();
  auto again = Store::Open("sqlite:" + dir_ + "/s.db");  // reopened: nothing to apply
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->SchemaVersion(), 2);
  again->reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/s.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "insert into schema_migrations values (99, 0)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto newer = Store::Open("sqlite:" + dir_ + "/s.db");
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("newer than this rsx"), std::string::npos);
}

}  // namespace
}  // namespace rsx::service
