// rtmp-probe's command line: the options and the man page prose (docs.cpp).
#pragma once

#include "cli/docgen.h"

namespace probe_cli {

cli::DocInfo doc_info();

}  // namespace probe_cli
