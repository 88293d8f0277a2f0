# Compiles the web console (web/console/*) into the rsx binary: one byte array per file.
# cmake -DSRC_DIR=<web/console> -DOUT=<console_assets.cc> -P embed_console.cmake
file(GLOB files RELATIVE ${SRC_DIR} ${SRC_DIR}/*)
list(SORT files)
set(arrays "")
set(table "")
set(i 0)
foreach(f ${files})
  if(f MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(f MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(f MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(f MATCHES "\\.svg$")
    set(type "image/svg+xml")
  elseif(f MATCHES "\\.txt$|LICENSE")
    set(type "text/plain; charset=utf-8")
  else()
    message(FATAL_ERROR "web/console/${f}: no content type for this kind of file")
  endif()
  file(READ ${SRC_DIR}/${f} hex HEX)
  string(LENGTH "${hex}" n)
  math(EXPR size "${n} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "const unsigned char d${i}[] = {${bytes}0};\n")
  string(APPEND table "      {\"${f}\", \"${type}\", d${i}, ${size}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from web/console by cmake/embed_console.cmake: do not edit.
#include \"service/console.h\"

namespace rsx::service {
namespace {
${arrays}}  // namespace

const std::vector<ConsoleAsset>& ConsoleAssets() {
  static const std::vector<ConsoleAsset> assets = {
${table}  };
  return assets;
}

}  // namespace rsx::service
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
