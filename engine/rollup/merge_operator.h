// The RocksDB merge operator of the rollup column families: an operand is a cell row holding a
// flush's partial cells, and merging adds rows cell by cell (cell_row.h).
//
// Merging is associative and commutative, so RocksDB may combine operands in any grouping (partial
// merge) and the result is the same. All the operands of a key are merged in one pass (each cell
// decoded once, a cell present in one operand only copied as it is), not pairwise. A damaged
// operand or value makes the merge fail, which RocksDB reports as Corruption to the reader — never
// a silent zero. Nothing throws.
//
// RocksDB records the operator's name in the OPTIONS file and the SST properties but does not
// check it on open. The name changes with the operand format (v2: cell rows of version 2); the
// operator still reads version 1 rows and rewrites them as version 2 when it merges them.
#pragma once

#include <memory>

#include <rocksdb/merge_operator.h>

namespace tally::rollup {

inline constexpr const char* kMergeOperatorName = "tally.RollupRowMerge.v2";

std::shared_ptr<rocksdb::MergeOperator> NewRollupMergeOperator();

}  // namespace tally::rollup
