// hook-echo's man page text beyond its options (see lib/cli/docgen.h).
#pragma once

#include "cli/docgen.h"

namespace hook_echo {

cli::DocInfo doc_info();

}  // namespace hook_echo
