#include "engine/rollup/merge_operator.h"

#include "engine/rollup/cell_row.h"

namespace tally::rollup {
namespace {

class RollupMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    if (existing == nullptr) {
      // Validate a lone operand too, so that a damaged one cannot become a value unnoticed.
      CellRowView view;
      if (!ParseCellRow(value.ToStringView(), &view).ok()) return false;
      new_value->assign(value.data(), value.size());
      return true;
    }
    try {
      return MergeCellRows(existing->ToStringView(), value.ToStringView(), new_value).ok();
    } catch (...) {
      return false;  // out of memory: never let an exception into RocksDB
    }
  }
  const char* Name() const override { return kMergeOperatorName; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewRollupMergeOperator() { return std::make_shared<RollupMergeOperator>(); }

}  // namespace tally::rollup
