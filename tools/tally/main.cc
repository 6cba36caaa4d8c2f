// tally: the command-line tool over a tally data directory. See docs/tool.md.
#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "help") {
    std::puts("usage: tally <command> [options]\n\ncommands:\n  demo     write a month of usage and print a summary");
    return argc < 2 ? 2 : 0;
  }
  std::fprintf(stderr, "tally: unknown command '%s' (see 'tally --help')\n", argv[1]);
  return 2;
}
