# probe/embed.cmake — turn a file into a C byte array at build time:
#   cmake -DIN=probe/driver.cjs -DOUT=driver_blob.c -DNAME=abiprobe_driver_cjs -P probe/embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE "${OUT}" "/* generated from ${IN} by probe/embed.cmake; do not edit */\n#include \"probe/driver.h\"\n\nconst unsigned char ${NAME}[] = {${body} 0};\nconst size_t ${NAME}_len = ${len};\n")
