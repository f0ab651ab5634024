# Writes a C file embedding the default templates and settings, so that
# 'bulletin init' and missing templates work from an installed binary.
# Called as: cmake -DSRC=<source dir> -DOUT=<file.c> -P embed.cmake
# Every file under templates/, the same set CMakeLists.txt rebuilds on.
file(GLOB_RECURSE files RELATIVE ${SRC} ${SRC}/templates/*)
list(SORT files)
list(APPEND files bulletin.yaml)
set(body "#include \"defaults.h\"\n\n")
set(table "const struct default_file defaults_files[] = {\n")
set(i 0)
foreach(f ${files})
  file(READ ${SRC}/${f} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const unsigned char f${i}[] = {${bytes} 0};\n")
  string(APPEND table "\t{\"${f}\", f${i}, ${len}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND table "\t{0, 0, 0},\n};\n")
file(WRITE ${OUT}.new "${body}\n${table}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.new ${OUT})
