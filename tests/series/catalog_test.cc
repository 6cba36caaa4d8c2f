// Series keys and the catalog: canonical keys round-trip, ids are XXH3 of the key, a forced hash
// collision gets a different id, and the ids read back from disk are kept as they were.
#include <gtest/gtest.h>

#include "engine/series/catalog.h"
#include "engine/series/series_key.h"

namespace tally::series {
namespace {

std::string KeyOf(std::string_view ws, std::string_view model = "m", std::string_view endpoint = "e") {
  std::string key;
  EncodeSeriesKey(std::array<std::string_view, kLabelCount>{ws, model, endpoint, "prod", "", "", ""}, &key);
  return key;
}

// Every key hashes to 42 under seed 0: every second series collides.
uint64_t CollidingHash(std::string_view key, uint64_t seed) {
  return seed == 0 ? 42 : SeriesCatalog::DefaultHash(key, seed);
}

TEST(SeriesKeyTest, RoundTripsAndRejectsDamage) {
  std::string key = KeyOf("acme", "gpt-x", "chat");
  auto labels = DecodeSeriesKey(key);
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->Get(Label::kWorkspace), "acme");
  EXPECT_EQ(labels->Get(Label::kEnvironment), "prod");
  EXPECT_EQ(labels->ToString(), "workspace=acme,model=gpt-x,endpoint=chat,environment=prod");
  std::string again;
  EncodeSeriesKey(*labels, &again);
  EXPECT_EQ(again, key);
  for (size_t cut = 0; cut < key.size(); ++cut) {
    EXPECT_TRUE(DecodeSeriesKey(key.substr(0, cut)).status().IsCorruption()) << cut;
  }
  EXPECT_TRUE(DecodeSeriesKey(key + "x").status().IsCorruption());
}

TEST(SeriesCatalogTest, IdIsXxh3OfTheKey) {
  SeriesCatalog catalog;
  std::string key = KeyOf("acme");
  auto dense = catalog.Add(key);
  ASSERT_TRUE(dense.ok());
  EXPECT_EQ(catalog.at(*dense).id, SeriesCatalog::DefaultHash(key, 0));
  EXPECT_EQ(catalog.Find(key), *dense);
}

TEST(SeriesCatalogTest, ForcedCollisionIsResolved) {
  SeriesCatalog catalog(&CollidingHash);
  std::string a = KeyOf("a"), b = KeyOf("b"), c = KeyOf("c");
  auto da = catalog.Add(a);
  auto db = catalog.Add(b);
  auto dc = catalog.Add(c);
  ASSERT_TRUE(da.ok() && db.ok() && dc.ok());
  EXPECT_EQ(catalog.at(*da).id, 42u);
  EXPECT_EQ(catalog.at(*db).id, SeriesCatalog::DefaultHash(b, 1));
  EXPECT_EQ(catalog.at(*dc).id, SeriesCatalog::DefaultHash(c, 1));
  EXPECT_NE(catalog.at(*db).id, catalog.at(*da).id);
  EXPECT_EQ(catalog.FindById(42), *da);
  EXPECT_EQ(catalog.Find(b), *db);

  // Loaded back (as from disk, in another order), the ids stay as assigned.
  SeriesCatalog reloaded(&CollidingHash);
  ASSERT_TRUE(reloaded.Load(catalog.at(*dc).id, c).ok());
  ASSERT_TRUE(reloaded.Load(42, a).ok());
  ASSERT_TRUE(reloaded.Load(catalog.at(*db).id, b).ok());
  EXPECT_EQ(reloaded.at(*reloaded.Find(b)).id, catalog.at(*db).id);
  // A new colliding series still avoids every taken id.
  auto dd = reloaded.Add(KeyOf("d"));
  ASSERT_TRUE(dd.ok());
  EXPECT_EQ(reloaded.at(*dd).id, SeriesCatalog::DefaultHash(KeyOf("d"), 1));

  // The same id stored twice is damage, not a merge.
  EXPECT_TRUE(reloaded.Load(42, KeyOf("e")).IsCorruption());
}

TEST(SeriesCatalogTest, MatchUsesEveryMatcher) {
  SeriesCatalog catalog;
  for (const char* ws : {"a", "b", "c"}) {
    for (const char* model : {"m1", "m2"}) ASSERT_TRUE(catalog.Add(KeyOf(ws, model)).ok());
  }
  SeriesFilter f{{LabelMatcher::In(Label::kWorkspace, {"a", "c"}), LabelMatcher::NotEqual(Label::kModel, "m1")}};
  std::vector<uint32_t> got = catalog.Match(f);
  ASSERT_EQ(got.size(), 2u);
  for (uint32_t d : got) {
    EXPECT_EQ(catalog.at(d).labels.Get(Label::kModel), "m2");
    EXPECT_NE(catalog.at(d).labels.Get(Label::kWorkspace), "b");
  }
  EXPECT_EQ(catalog.Match({}).size(), 6u);
  EXPECT_TRUE(catalog.Match({{LabelMatcher::Equal(Label::kWorkspace, "zzz")}}).empty());
  catalog.TruncateTo(2);
  EXPECT_EQ(catalog.Match({}).size(), 2u);
  EXPECT_FALSE(catalog.Find(KeyOf("c", "m2")).has_value());
}

}  // namespace
}  // namespace tally::series
