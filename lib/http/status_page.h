// The status page served at / (lib/http/status_page.html, embedded by the Makefile).
#pragma once

namespace http {
extern const char kStatusPageHtml[];
}
