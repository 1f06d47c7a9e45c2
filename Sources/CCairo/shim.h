#ifndef GRIDPLAN_CCAIRO_SHIM_H
#define GRIDPLAN_CCAIRO_SHIM_H
// cairo draws (image, SVG and PDF surfaces); pango lays out text with fontconfig's fonts, so
// Chinese names render with whatever CJK font is installed (fonts-noto-cjk). pkg-config
// "pangocairo" adds the include paths of cairo, pango, glib and harfbuzz.
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <pango/pangocairo.h>
#endif
