#include "engine/rollup/merge_operator.h"

#include <deque>
#include <string_view>
#include <vector>

#include "engine/rollup/cell_row.h"

namespace tally::rollup {
namespace {

// One merger per thread: it holds 64 cells, which are worth keeping between merges.
RowMerger& ThreadMerger() {
  thread_local RowMerger merger;
  return merger;
}

// Merges `rows` into *out. False on a damaged row or when memory runs out.
template <typename Rows>
bool MergeRows(const rocksdb::Slice* first, const Rows& rows, std::string* out) {
  try {
    RowMerger& merger = ThreadMerger();
    merger.Reset();
    bool ok = first == nullptr || merger.Add(first->ToStringView()).ok();
    for (auto it = rows.begin(); ok && it != rows.end(); ++it) ok = merger.Add(it->ToStringView()).ok();
    if (!ok || merger.empty()) {
      merger.Reset();
      return false;
    }
    merger.Finish(out);
    return true;
  } catch (...) {
    return false;  // out of memory: never let an exception into RocksDB
  }
}

class RollupMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    if (in.existing_value == nullptr && in.operand_list.size() == 1) {
      // A lone operand is validated, then kept as it is unless it must be rewritten (version 1).
      CellRowView view;
      if (!ParseCellRow(in.operand_list[0].ToStringView(), &view).ok()) return false;
      if (!view.converted) {
        out->existing_operand = in.operand_list[0];
        return true;
      }
    }
    return MergeRows(in.existing_value, in.operand_list, &out->new_value);
  }

  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands, std::string* new_value,
                         rocksdb::Logger*) const override {
    return MergeRows(nullptr, operands, new_value);
  }

  bool PartialMerge(const rocksdb::Slice&, const rocksdb::Slice& left, const rocksdb::Slice& right,
                    std::string* new_value, rocksdb::Logger*) const override {
    return MergeRows(&left, std::vector<rocksdb::Slice>{right}, new_value);
  }

  const char* Name() const override { return kMergeOperatorName; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewRollupMergeOperator() { return std::make_shared<RollupMergeOperator>(); }

}  // namespace tally::rollup
