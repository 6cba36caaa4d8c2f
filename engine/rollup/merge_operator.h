// The RocksDB merge operator of the rollup column families: an operand is a cell row holding a
// flush's partial cells, and merging adds rows cell by cell (cell_row.h).
//
// Merging is associative and commutative, so RocksDB may combine operands in any grouping (partial
// merge) and the result is the same. A damaged operand or value makes the merge fail, which RocksDB
// reports as Corruption to the reader — never a silent zero. Nothing throws.
//
// The operator's name is part of the format: RocksDB refuses to open a family whose SST files were
// written with a different merge operator name.
#pragma once

#include <memory>

#include <rocksdb/merge_operator.h>

namespace tally::rollup {

inline constexpr const char* kMergeOperatorName = "tally.RollupRowMerge.v1";

std::shared_ptr<rocksdb::MergeOperator> NewRollupMergeOperator();

}  // namespace tally::rollup
