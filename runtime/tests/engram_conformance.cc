#include "engram_conformance.h"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>

#include <thread>

namespace neuromesh::runtime::testing {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

json::value J(std::string_view text) { return json::parse(text); }

imprint_request req(imprint_op op, std::string_view content,
                    std::optional<std::string> merge_key = {}, std::vector<std::string> tags = {}) {
  imprint_request r;
  r.op = op;
  r.content = J(content);
  r.merge_key = std::move(merge_key);
  r.tags = std::move(tags);
  return r;
}

imprint_receipt must(engram_result<imprint_receipt> r) {
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : imprint_receipt{};
}

std::vector<hit> hits_of(engram& e, recall_query q = {}) {
  auto r = e.recall(q);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? r->hits : std::vector<hit>{};
}

recall_query by_text(std::string text) {
  recall_query q;
  q.text = std::move(text);
  return q;
}

recall_query by_key(std::string key) {
  recall_query q;
  q.merge_key = std::move(key);
  return q;
}

// Distinct updated_at values (microsecond clock) so newest-first order is well defined.
void tick() {
  const auto t = registry::now_utc();
  while (registry::now_utc() == t) std::this_thread::yield();
}

}  // namespace

engram_identity engram_conformance::identity(std::string id, std::string kind) {
  return {std::move(id), std::move(kind), {"substring", "tags"}, "1"};
}

void engram_conformance::SetUp() {
  env_ = GetParam().make_env();
  engram_ = env_->make_engram(identity());
  auto c = engram_->connect();
  ASSERT_TRUE(c) << c.error().message;
}

void engram_conformance::TearDown() {
  if (engram_) engram_->close();
  engram_.reset();
  env_.reset();
}

TEST_P(engram_conformance, identity_is_what_was_given) {
  EXPECT_EQ(engram_->engram_id(), "mem");
  EXPECT_EQ(engram_->engram_kind(), "context");
  EXPECT_EQ(engram_->version(), "1");
}

TEST_P(engram_conformance, append_then_recall_by_text_returns_the_reference_entry_shape) {
  auto a = must(engram_->imprint(req(imprint_op::append, R"({"note":"The Cat sat"})", "k", {"x"})));
  ASSERT_TRUE(a.ok()) << *a.error;
  EXPECT_THAT(*a.id, ::testing::StartsWith("eng_"));
  EXPECT_EQ(a.version, 1);
  EXPECT_EQ(a.engram_id, "mem");
  must(engram_->imprint(req(imprint_op::append, R"({"note":"a dog"})")));
  auto hits = hits_of(*engram_, by_text("the CAT"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, *a.id);
  const auto e = hits[0].entry.to_json();
  EXPECT_EQ(e.at("id"), json::value(*a.id));
  EXPECT_EQ(e.at("content"), J(R"({"note":"The Cat sat"})"));
  EXPECT_EQ(e.at("tags"), J(R"(["x"])"));
  EXPECT_EQ(e.at("version"), json::value(1));
  EXPECT_EQ(e.at("merge_key"), json::value("k"));
  EXPECT_FALSE(e.contains("meta"));  // empty meta is left out, as the reference does
  EXPECT_THAT(std::string(e.at("created_at").as_string()), HasSubstr("+00:00"));
  // "The Cat" is 7 of the 23 characters of {"note": "The Cat sat"}.
  EXPECT_NEAR(hits[0].score, 7.0 / 23.0, 1e-9);
  EXPECT_EQ(hits_of(*engram_).size(), 2u);
}

TEST_P(engram_conformance, add_keeps_a_given_id_and_refuses_an_existing_one) {
  auto r = req(imprint_op::add, R"("v")");
  r.id = "fixed-1";
  auto first = must(engram_->imprint(r));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.id, "fixed-1");
  auto again = must(engram_->imprint(r));
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(*again.error, HasSubstr("fixed-1"));
  EXPECT_FALSE(again.id);
  EXPECT_EQ(hits_of(*engram_).size(), 1u);
}

TEST_P(engram_conformance, a_replayed_imprint_id_writes_once_and_returns_the_first_receipt) {
  auto r = req(imprint_op::append, R"({"n":1})");
  r.imprint_id = "evt_REPLAY";
  auto first = must(engram_->imprint(r));
  auto second = must(engram_->imprint(r));
  EXPECT_EQ(first.id, second.id);
  EXPECT_EQ(second.version, 1);
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(hits_of(*engram_).size(), 1u);
  EXPECT_EQ(engram_->stats().replays, 1u);
}

TEST_P(engram_conformance, upsert_replaces_then_merge_deep_merges_with_tag_union_and_versions) {
  auto u1 = must(engram_->imprint(req(imprint_op::upsert, R"({"a":1})", "incident:42", {"t1"})));
  EXPECT_EQ(u1.version, 1);
  tick();
  auto u2 = must(
      engram_->imprint(req(imprint_op::upsert, R"({"a":2,"list":[1,2],"deep":{"x":1,"y":{"z":1}}})",
                           "incident:42", {"t1", "t2"})));
  EXPECT_EQ(u2.id, u1.id);
  EXPECT_EQ(u2.version, 2);
  tick();
  auto m = req(imprint_op::merge,
               R"({"list":[2,3,1.0],"deep":{"y":{"w":2},"x":null},"new":"n","a":"s"})",
               "incident:42", {"t3", "t1"});
  m.meta = J(R"({"src":"m"})").as_object();
  auto merged = must(engram_->imprint(m));
  ASSERT_TRUE(merged.ok()) << *merged.error;
  EXPECT_EQ(merged.id, u1.id);
  EXPECT_EQ(merged.version, 3);
  auto hits = hits_of(*engram_, by_key("incident:42"));
  ASSERT_EQ(hits.size(), 1u);
  const auto& e = hits[0].entry;
  EXPECT_EQ(e.content,
            J(R"({"a":"s","list":[1,2,3,1.0],"deep":{"x":1,"y":{"z":1,"w":2}},"new":"n"})"));
  EXPECT_EQ(e.tags, (std::vector<std::string>{"t1", "t2", "t3"}));
  EXPECT_EQ(e.meta, J(R"({"src":"m"})").as_object());
  EXPECT_EQ(e.version, 3);
  EXPECT_LT(e.created_at, e.updated_at);
}

TEST_P(engram_conformance, merge_without_an_entry_is_a_receipt_error_naming_the_key) {
  auto r = must(engram_->imprint(req(imprint_op::merge, R"({"a":1})", "nobody")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.error, "no entry for merge_key='nobody'");
  EXPECT_FALSE(r.id);
}

TEST_P(engram_conformance, upsert_and_merge_need_a_merge_key) {
  for (auto op : {imprint_op::upsert, imprint_op::merge}) {
    auto r = must(engram_->imprint(req(op, R"(1)")));
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(*r.error, HasSubstr("requires merge_key"));
  }
  EXPECT_TRUE(hits_of(*engram_).empty());
}

TEST_P(engram_conformance, delete_by_id_or_newest_of_merge_key_hides_the_entry) {
  auto a = must(engram_->imprint(req(imprint_op::append, R"("first")", "g")));
  tick();
  auto b = must(engram_->imprint(req(imprint_op::append, R"("second")", "g")));
  imprint_request d;
  d.op = imprint_op::remove;
  d.merge_key = "g";
  auto gone = must(engram_->imprint(d));
  EXPECT_EQ(gone.id, b.id);  // the newest of the group
  EXPECT_FALSE(gone.version);
  auto left = hits_of(*engram_, by_key("g"));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, *a.id);
  imprint_request by_id;
  by_id.op = imprint_op::remove;
  by_id.id = *a.id;
  EXPECT_EQ(must(engram_->imprint(by_id)).id, a.id);
  EXPECT_TRUE(hits_of(*engram_).empty());
  auto nothing = must(engram_->imprint(by_id));  // already gone: no id, no error
  EXPECT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing.id);
}

TEST_P(engram_conformance, recall_filters_by_tag_all_tags_merge_key_and_time) {
  must(engram_->imprint(req(imprint_op::append, R"("a")", "k1", {"red", "big"})));
  tick();
  const auto middle = registry::now_utc();
  tick();
  must(engram_->imprint(req(imprint_op::append, R"("b")", "k2", {"red"})));
  must(engram_->imprint(req(imprint_op::append, R"("c")", std::nullopt, {"blue", "big"})));
  recall_query tag;
  tag.tag = "red";
  EXPECT_EQ(hits_of(*engram_, tag).size(), 2u);
  recall_query all;
  all.tags = {"red", "big"};
  auto both = hits_of(*engram_, all);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].entry.content, J(R"("a")"));
  EXPECT_EQ(hits_of(*engram_, by_key("k2")).size(), 1u);
  recall_query since;
  since.since = middle;
  EXPECT_EQ(hits_of(*engram_, since).size(), 2u);
  recall_query until;
  until.until = middle;
  EXPECT_EQ(hits_of(*engram_, until).size(), 1u);
  recall_query none;
  none.tags = {"red", "green"};
  EXPECT_TRUE(hits_of(*engram_, none).empty());
}

TEST_P(engram_conformance, recall_orders_newest_first_and_cuts_at_top_k) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(*must(engram_->imprint(req(imprint_op::append, std::to_string(i)))).id);
    tick();
  }
  recall_query q;
  q.top_k = 3;
  auto r = engram_->recall(q);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->hits.size(), 3u);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->hits[0].id, ids[4]);
  EXPECT_EQ(r->hits[2].id, ids[2]);
  q.top_k = 5;
  EXPECT_FALSE(engram_->recall(q)->truncated);
}

TEST_P(engram_conformance, text_recall_ranks_by_score_and_applies_min_confidence) {
  must(engram_->imprint(req(imprint_op::append, R"("needle in a very long haystack of words")")));
  must(engram_->imprint(req(imprint_op::append, R"("needle!")")));
  must(engram_->imprint(req(imprint_op::append, R"("nothing here")")));
  auto hits = hits_of(*engram_, by_text("needle"));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].entry.content, J(R"("needle!")"));
  EXPECT_GT(hits[0].score, hits[1].score);
  auto q = by_text("needle");
  q.min_confidence = 0.5;  // 6 / 9 passes, 6 / 41 does not
  auto strong = hits_of(*engram_, q);
  ASSERT_EQ(strong.size(), 1u);
  EXPECT_EQ(strong[0].entry.content, J(R"("needle!")"));
}

TEST_P(engram_conformance, text_recall_matches_short_and_non_ascii_needles) {
  must(engram_->imprint(req(imprint_op::append, R"({"city":"Zürich café"})")));
  must(engram_->imprint(req(imprint_op::append, R"({"city":"Bern"})")));
  EXPECT_EQ(hits_of(*engram_, by_text("café")).size(), 1u);
  EXPECT_EQ(hits_of(*engram_, by_text("ZÜRICH")).size(), 0u);  // ASCII letters fold only
  EXPECT_EQ(hits_of(*engram_, by_text("rn")).size(), 1u);
  EXPECT_EQ(hits_of(*engram_, by_text("\"city\"")).size(), 2u);  // JSON syntax matches too
}

TEST_P(engram_conformance, compensate_undoes_add_upsert_merge_and_delete_newest_first) {
  auto base = req(imprint_op::upsert, R"({"v":"before"})", "doc", {"keep"});
  const auto original = must(engram_->imprint(base));
  auto kept = hits_of(*engram_, by_key("doc"));
  ASSERT_EQ(kept.size(), 1u);
  const entry before = kept[0].entry;

  const std::string trace = "trc_SAGA";
  auto traced = [&](imprint_request r) {
    r.trace_id = trace;
    return must(engram_->imprint(r));
  };
  auto added = traced(req(imprint_op::add, R"("new")"));
  tick();
  traced(req(imprint_op::upsert, R"({"v":"after"})", "doc", {"changed"}));
  tick();
  traced(req(imprint_op::merge, R"({"w":1})", "doc"));
  imprint_request del;
  del.op = imprint_op::remove;
  del.merge_key = "doc";
  traced(del);
  EXPECT_TRUE(hits_of(*engram_, by_key("doc")).empty());

  auto n = engram_->compensate(trace);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 4u);
  auto restored = hits_of(*engram_, by_key("doc"));
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0].entry, before);  // content, tags, version and times as they were
  EXPECT_EQ(restored[0].id, *original.id);
  for (const auto& h : hits_of(*engram_)) EXPECT_NE(h.id, *added.id);
  EXPECT_EQ(*engram_->compensate(trace), 0u);  // the journal is spent
}

TEST_P(engram_conformance, commit_discards_the_journal_and_traces_are_independent) {
  auto a = req(imprint_op::append, R"("a")");
  a.trace_id = "trc_A";
  auto b = req(imprint_op::append, R"("b")");
  b.trace_id = "trc_B";
  must(engram_->imprint(a));
  must(engram_->imprint(b));
  ASSERT_TRUE(engram_->commit("trc_A"));
  EXPECT_EQ(*engram_->compensate("trc_A"), 0u);
  EXPECT_EQ(hits_of(*engram_).size(), 2u);
  EXPECT_EQ(*engram_->compensate("trc_B"), 1u);
  auto left = hits_of(*engram_);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].entry.content, J(R"("a")"));
}

TEST_P(engram_conformance, a_refused_imprint_journals_nothing) {
  auto r = req(imprint_op::merge, R"(1)", "missing");
  r.trace_id = "trc_X";
  EXPECT_FALSE(must(engram_->imprint(r)).ok());
  EXPECT_EQ(*engram_->compensate("trc_X"), 0u);
}

TEST_P(engram_conformance, calls_after_close_are_not_connected_errors) {
  engram_->close();
  auto r = engram_->recall({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, engram_errc::not_connected);
  auto w = engram_->imprint(req(imprint_op::append, "1"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, engram_errc::not_connected);
  EXPECT_GE(engram_->stats().rejected, 2u);
}

TEST_P(engram_durable_conformance, idempotency_and_the_journal_survive_a_restart) {
  auto r = req(imprint_op::upsert, R"({"v":1})", "restart");
  r.imprint_id = "evt_RESTART";
  const auto first = must(engram_->imprint(r));
  auto traced = req(imprint_op::upsert, R"({"v":2})", "restart");
  traced.trace_id = "trc_RESTART";
  must(engram_->imprint(traced));
  engram_->close();

  auto again = env_->make_engram(identity());
  ASSERT_TRUE(again->connect());
  const auto replay = must(again->imprint(r));
  EXPECT_EQ(replay.id, first.id);
  EXPECT_EQ(replay.version, 2);  // the row's version now
  EXPECT_EQ(*again->compensate("trc_RESTART"), 1u);
  auto hits = hits_of(*again, by_key("restart"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].entry.content, J(R"({"v":1})"));
  EXPECT_EQ(hits[0].entry.version, 1);
}

TEST_P(engram_durable_conformance, two_engrams_on_one_store_journal_apart) {
  auto other = env_->make_engram(identity("other", "context"));
  ASSERT_TRUE(other->connect());
  auto a = req(imprint_op::append, R"("mine")");
  a.trace_id = "trc_SHARED";
  must(engram_->imprint(a));
  auto b = req(imprint_op::append, R"("theirs")");
  b.trace_id = "trc_SHARED";
  must(other->imprint(b));
  EXPECT_EQ(*other->compensate("trc_SHARED"), 1u);
  auto left = hits_of(*engram_);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].entry.content, J(R"("mine")"));
}

}  // namespace neuromesh::runtime::testing
