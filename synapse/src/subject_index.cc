#include "subject_index.h"

#include "neuromesh/protocol/subject.h"

#include <algorithm>

namespace neuromesh::synapse::detail {

struct subject_index::level {
  std::unordered_map<std::string, std::unique_ptr<node>, hash, std::equal_to<>> literal;
  std::unique_ptr<node> star;  // `*`
  std::unique_ptr<node> rest;  // `>`
  bool empty() const noexcept { return literal.empty() && !star && !rest; }
};

struct subject_index::node {
  std::vector<entry> entries;  // subscriptions whose pattern ends here
  level next;
  bool empty() const noexcept { return entries.empty() && next.empty(); }
};

namespace {

// Python str.split('.'): empty tokens count.
void split(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t pos = 0;
  while (true) {
    auto dot = s.find('.', pos);
    if (dot == std::string_view::npos) {
      out.push_back(s.substr(pos));
      return;
    }
    out.push_back(s.substr(pos, dot - pos));
    pos = dot + 1;
  }
}

bool has_wildcard(const std::vector<std::string_view>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [](std::string_view t) { return t == "*" || t == ">"; });
}

}  // namespace

subject_index::subject_index() : root_(std::make_unique<level>()) {}
subject_index::~subject_index() = default;

void subject_index::insert(std::string_view pattern, entry e) {
  split(pattern, tokens_);
  level* l = root_.get();
  node* n = nullptr;
  for (auto t : tokens_) {
    std::unique_ptr<node>* slot;
    if (t == ">") {
      slot = &l->rest;
    } else if (t == "*") {
      slot = &l->star;
    } else {
      auto it = l->literal.find(t);
      if (it == l->literal.end()) it = l->literal.emplace(std::string(t), nullptr).first;
      slot = &it->second;
    }
    if (!*slot) *slot = std::make_unique<node>();
    n = slot->get();
    if (t == ">") break;  // `>` ends the pattern wherever it stands
    l = &n->next;
  }
  auto pos = std::lower_bound(n->entries.begin(), n->entries.end(), e.key,
                              [](const entry& a, std::uint64_t k) { return a.key < k; });
  n->entries.insert(pos, e);
  ++size_;
  invalidate(pattern);
}

bool subject_index::erase(std::string_view pattern, std::uint64_t key) {
  split(pattern, tokens_);
  // The path from the root, to prune emptied nodes afterwards.
  struct step {
    level* parent;
    std::unique_ptr<node>* slot;
    std::string_view token;
  };
  std::vector<step> path;
  level* l = root_.get();
  for (auto t : tokens_) {
    std::unique_ptr<node>* slot = nullptr;
    if (t == ">") {
      slot = &l->rest;
    } else if (t == "*") {
      slot = &l->star;
    } else {
      auto it = l->literal.find(t);
      if (it != l->literal.end()) slot = &it->second;
    }
    if (slot == nullptr || !*slot) return false;
    path.push_back({l, slot, t});
    if (t == ">") break;
    l = &(*slot)->next;
  }
  auto& entries = (*path.back().slot)->entries;
  auto it =
      std::find_if(entries.begin(), entries.end(), [key](const entry& e) { return e.key == key; });
  if (it == entries.end()) return false;
  entries.erase(it);
  --size_;
  for (auto s = path.rbegin(); s != path.rend(); ++s) {
    if (!(*s->slot)->empty()) break;
    if (s->token == ">" || s->token == "*")
      s->slot->reset();
    else
      s->parent->literal.erase(s->parent->literal.find(s->token));
  }
  invalidate(pattern);
  return true;
}

void subject_index::invalidate(std::string_view pattern) {
  split(pattern, tokens_);
  if (!has_wildcard(tokens_)) {
    // A literal pattern matches only the subject equal to it.
    if (auto it = cache_.find(pattern); it != cache_.end()) cache_.erase(it);
    return;
  }
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (protocol::subject_matches(pattern, it->first))
      it = cache_.erase(it);
    else
      ++it;
  }
}

void subject_index::collect(const level& l, std::size_t i) {
  // i < tokens_.size(): tokens_[i] is the token to match at this level.
  const bool last = i + 1 == tokens_.size();
  auto take = [&](const node& n) {
    if (last)
      found_.insert(found_.end(), n.entries.begin(), n.entries.end());
    else
      collect(n.next, i + 1);
  };
  if (auto it = l.literal.find(tokens_[i]); it != l.literal.end()) take(*it->second);
  if (l.star) take(*l.star);
  if (l.rest) found_.insert(found_.end(), l.rest->entries.begin(), l.rest->entries.end());
}

const subject_index::result& subject_index::match(std::string_view subject) {
  if (auto it = cache_.find(subject); it != cache_.end()) return it->second;
  split(subject, tokens_);
  found_.clear();
  collect(*root_, 0);
  std::sort(found_.begin(), found_.end(),
            [](const entry& a, const entry& b) { return a.key < b.key; });
  result r;
  for (const auto& e : found_) {
    if (e.group == 0) {
      r.solo.push_back(e);
      continue;
    }
    auto g = std::find_if(r.groups.begin(), r.groups.end(),
                          [&](const group_members& m) { return m.group == e.group; });
    if (g == r.groups.end()) g = r.groups.insert(r.groups.end(), group_members{e.group, {}});
    g->members.push_back(e);
  }
  if (cache_.size() >= max_cache) cache_.clear();  // crude but bounded; refills on demand
  return cache_.emplace(std::string(subject), std::move(r)).first->second;
}

}  // namespace neuromesh::synapse::detail
