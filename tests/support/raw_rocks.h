// Opens the RocksDB database under a tally directory directly, with every column family, so tests
// can damage stored bytes on purpose. The rollup families are opened with tally's merge operator.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "engine/rollup/merge_operator.h"
#include "engine/rollup/resolutions.h"
#include "engine/store/layout.h"

namespace tally::testing {

struct RawRocks {
  explicit RawRocks(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& name : names) {
      rocksdb::ColumnFamilyOptions options;
      if (rollup::ParseFamilyName(name)) options.merge_operator = rollup::NewRollupMergeOperator();
      families.emplace_back(name, options);
    }
    rocksdb::DB* raw = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &raw).ok());
    db.reset(raw);
  }
  ~RawRocks() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  rocksdb::ColumnFamilyHandle* family(std::string_view name) {
    for (auto* h : handles) {
      if (h->GetName() == name) return h;
    }
    ADD_FAILURE() << "no column family " << name;
    return nullptr;
  }
  rocksdb::ColumnFamilyHandle* blocks() { return family(store::kBlocksFamily); }

  // The key and value of the first record of series `series_id` in `family` (keys start with the
  // series id, big-endian); both empty, after a test failure, when it has none.
  std::pair<std::string, std::string> FirstOf(rocksdb::ColumnFamilyHandle* family, uint64_t series_id) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
    std::string prefix;
    store::PutFixed64BE(&prefix, series_id);
    it->Seek(prefix);
    if (!it->Valid() || !it->key().starts_with(prefix)) {
      ADD_FAILURE() << "no record of series " << series_id << ": " << it->status().ToString();
      return {};
    }
    return {it->key().ToString(), it->value().ToString()};
  }

  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
};

}  // namespace tally::testing
