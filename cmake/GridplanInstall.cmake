# What `cmake --install` puts under the prefix (docs/library.md):
#
#   bin/gridplan                              the CLI            (component runtime)
#   LIBDIR/libgridplan.so.MAJOR.MINOR.PATCH   the library        (runtime)
#   LIBDIR/libgridplan.so.MAJOR               its SONAME         (runtime)
#   share/man/man1/gridplan.1                 the man page       (runtime)
#   LIBDIR/libgridplan.so                     link-time name     (devel)
#   include/gridplan/*.h                      public headers     (devel)
#   LIBDIR/pkgconfig/gridplan.pc              pkg-config         (devel)
#   LIBDIR/cmake/gridplan/                    find_package(gridplan) (devel)
#   LIBDIR/libgridplan.a                      with GP_INSTALL_STATIC=ON (devel)
#
# LIBDIR is GNUInstallDirs' choice: lib, or lib/<multiarch> for a /usr prefix
# on Debian.
include(CMakePackageConfigHelpers)

set(GP_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gridplan)

install(TARGETS gridplan_cli
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS gridplan_shared EXPORT gridplanTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT devel)
install(DIRECTORY include/gridplan DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT devel
  FILES_MATCHING PATTERN "*.h")
install(EXPORT gridplanTargets NAMESPACE gridplan:: DESTINATION ${GP_CMAKE_INSTALL_DIR} COMPONENT devel)
if(GP_INSTALL_STATIC)
  install(TARGETS gridplan EXPORT gridplanStaticTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT devel)
  install(EXPORT gridplanStaticTargets NAMESPACE gridplan:: DESTINATION ${GP_CMAKE_INSTALL_DIR} COMPONENT devel)
endif()

# The man page is the roff committed in man/, made from docs/gridplan.1.md
# by `cmake --build BUILD --target man`, so that building and installing
# never need pandoc.
install(FILES man/gridplan.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
find_program(GP_PANDOC pandoc)
if(GP_PANDOC)
  add_custom_target(man
    COMMAND ${GP_PANDOC} -s -t man docs/gridplan.1.md -o man/gridplan.1
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Writing man/gridplan.1 from docs/gridplan.1.md"
    VERBATIM)
endif()

# The CMake package. What the static library's dependencies need is known
# only here, so gridplanConfig.cmake is told.
if(GP_FAILALLOC)
  set(GP_WITH_THREADS TRUE)
else()
  set(GP_WITH_THREADS FALSE)
endif()
if(GP_MPI AND MPI_C_FOUND)
  set(GP_WITH_MPI TRUE)
else()
  set(GP_WITH_MPI FALSE)
endif()
configure_package_config_file(cmake/gridplanConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/gridplanConfig.cmake
  INSTALL_DESTINATION ${GP_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/gridplanConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gridplanConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/gridplanConfigVersion.cmake
  DESTINATION ${GP_CMAKE_INSTALL_DIR} COMPONENT devel)

# gridplan.pc. Its dependencies are private (the headers include none of
# them): pkg-config --static --libs adds them for libgridplan.a. GLPK ships
# no .pc file, so it goes in Libs.private.
set(GP_PC_REQUIRES_PRIVATE "gdal proj geos inih json-c")
set(GP_PC_LIBS_PRIVATE "-lglpk -lm")
if(GP_FAILALLOC)
  string(APPEND GP_PC_LIBS_PRIVATE " -pthread")
endif()
if(GP_WITH_MPI)
  # the MPI's own .pc file when it has one (Open MPI's or MPICH's)
  pkg_search_module(GP_PC_MPI QUIET ompi-c mpich)
  if(GP_PC_MPI_FOUND)
    string(APPEND GP_PC_REQUIRES_PRIVATE " ${GP_PC_MPI_MODULE_NAME}")
  else()
    foreach(lib IN LISTS MPI_C_LIBRARIES)
      string(APPEND GP_PC_LIBS_PRIVATE " ${lib}")
    endforeach()
  endif()
endif()
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(GP_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(GP_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
# The prefix is known only when installing: `cmake --install BUILD --prefix
# DIR` may choose another than CMAKE_INSTALL_PREFIX. So the file is made in
# two steps: everything but the prefix now, which leaves the line
# "prefix=@CMAKE_INSTALL_PREFIX@" for the install script to fill in.
set(GP_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")
configure_file(cmake/gridplan.pc.in ${CMAKE_CURRENT_BINARY_DIR}/gridplan.pc.in @ONLY)
install(CODE "configure_file(\"${CMAKE_CURRENT_BINARY_DIR}/gridplan.pc.in\" \"${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/gridplan.pc\" @ONLY)"
  COMPONENT devel)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/gridplan.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT devel)
