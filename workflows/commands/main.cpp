#include "workflows/commands/cli.hpp"

int main(int argc, char** argv) { return cagescreen::workflows::main_cli(argc, argv); }
