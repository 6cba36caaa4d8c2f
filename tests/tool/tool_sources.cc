// The tool's input parsers, compiled into this test program: they live in the `tally` program's
// sources (tools/tally/), which no library exports. Only the self-contained parsing files are
// included; the commands are tested through the built program.
#include "tools/tally/csv_reader.cc"
#include "tools/tally/input_row.cc"
#include "tools/tally/input_values.cc"
#include "tools/tally/json_line.cc"
