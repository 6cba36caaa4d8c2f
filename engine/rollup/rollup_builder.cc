#include "engine/rollup/rollup_builder.h"

#include <bit>

#include "engine/rollup/resolutions.h"

namespace tally::rollup {

RollupBuilder::RollupBuilder(std::vector<int64_t> resolutions_us) : resolutions_(std::move(resolutions_us)) {}

void RollupBuilder::AddSeries(std::span<const EventRow> rows, std::vector<EncodedRow>* out) {
  for (int r = 0; r < static_cast<int>(resolutions_.size()); ++r) {
    const int64_t width = resolutions_[r];
    size_t i = 0;
    while (i < rows.size()) {
      const int64_t row_start = RowStart(rows[i].timestamp_us, width);
      const int64_t row_end = row_start + width * kCellsPerRow;
      CellRowView view;
      for (; i < rows.size() && rows[i].timestamp_us < row_end; ++i) {
        const int cell = static_cast<int>((rows[i].timestamp_us - row_start) / width);
        if (!((view.presence >> cell) & 1)) {
          view.presence |= uint64_t{1} << cell;
          cells_[cell] = RollupCell();
        }
        cells_[cell].Add(rows[i]);
      }
      for (uint64_t bits = view.presence; bits != 0; bits &= bits - 1) {
        const int cell = std::countr_zero(bits);
        encoded_[cell].clear();
        cells_[cell].Encode(&encoded_[cell]);
        view.cells[cell] = encoded_[cell];
      }
      EncodedRow row;
      row.resolution = r;
      row.row_start_us = row_start;
      EncodeCellRow(view, &row.bytes);
      out->push_back(std::move(row));
    }
  }
}

}  // namespace tally::rollup
