# Writes the linker version script of libgridplan.so: the functions declared
# in the public headers are global, every other symbol is local.
#
# usage: cmake -DHEADER_DIR=include/gridplan -DOUTPUT=gridplan.map -P gridplan-exports.cmake
#
# A declaration is a lowercase gp_ name followed by "(" outside comments and
# preprocessor lines: function pointer types ("(*gp_log_fn)(") and struct
# fields never match, and a function mentioned in a comment is not thereby
# declared.
cmake_minimum_required(VERSION 3.25)

if(NOT HEADER_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DHEADER_DIR=DIR -DOUTPUT=FILE -P gridplan-exports.cmake")
endif()

file(GLOB headers "${HEADER_DIR}/*.h")
list(SORT headers)
set(names "")
foreach(header IN LISTS headers)
  file(READ "${header}" text)
  # block comments, by hand: a regular expression over a long comment
  # backtracks badly in CMake's engine
  set(code "")
  while(TRUE)
    string(FIND "${text}" "/*" open)
    if(open EQUAL -1)
      string(APPEND code "${text}")
      break()
    endif()
    string(SUBSTRING "${text}" 0 ${open} before)
    string(APPEND code "${before} ")
    math(EXPR open "${open} + 2")
    string(SUBSTRING "${text}" ${open} -1 text)
    string(FIND "${text}" "*/" close)
    if(close EQUAL -1)
      message(FATAL_ERROR "${header}: a comment is not closed")
    endif()
    math(EXPR close "${close} + 2")
    string(SUBSTRING "${text}" ${close} -1 text)
  endwhile()
  string(REGEX REPLACE "//[^\n]*" "" code "${code}")
  string(REGEX REPLACE "(^|\n)[ \t]*#[^\n]*" "\\1" code "${code}")
  string(REGEX MATCHALL "[^A-Za-z0-9_]gp_[a-z0-9_]+[ \t\r\n]*\\(" found "${code}")
  foreach(match IN LISTS found)
    string(REGEX REPLACE "^.(gp_[a-z0-9_]+).*" "\\1" name "${match}")
    list(APPEND names "${name}")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
if(NOT names)
  message(FATAL_ERROR "no function declared in ${HEADER_DIR}/*.h: nothing for libgridplan.so to export")
endif()

set(map "/* Made from include/gridplan/*.h by cmake/gridplan-exports.cmake. */\n{\n  global:\n")
foreach(name IN LISTS names)
  string(APPEND map "    ${name};\n")
endforeach()
string(APPEND map "  local:\n    *;\n};\n")
file(WRITE "${OUTPUT}" "${map}")
