# find_package(wsaccept CONFIG) for wsaccept installed with cargo-c (`cargo cinstall`), which
# puts this file in <prefix>/lib/cmake/wsaccept/. Imported targets:
#   wsaccept::wsaccept         the shared library (libwsaccept.so, soname libwsaccept.so.0)
#   wsaccept::wsaccept_static  the static library, with the native libraries it needs
# Both carry <prefix>/include (wsaccept.h, and the C++17 wrapper wsaccept.hpp) and, when the
# project uses C++, the cxx_std_17 compile feature the wrapper needs.

cmake_minimum_required(VERSION 3.16)

get_filename_component(_wsaccept_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

# cargo-c's library directory is <prefix>/lib, or the multiarch one on Debian
# (<prefix>/lib/x86_64-linux-gnu); --libdir may name another.
set(_wsaccept_libdir "")
foreach(_dir IN ITEMS "${_wsaccept_prefix}/lib/${CMAKE_LIBRARY_ARCHITECTURE}" "${_wsaccept_prefix}/lib"
                      "${_wsaccept_prefix}/lib64")
  if(EXISTS "${_dir}/libwsaccept.a" OR EXISTS "${_dir}/libwsaccept.so")
    set(_wsaccept_libdir "${_dir}")
    break()
  endif()
endforeach()

if(NOT _wsaccept_libdir OR NOT EXISTS "${_wsaccept_prefix}/include/wsaccept.h")
  set(wsaccept_FOUND FALSE)
  set(wsaccept_NOT_FOUND_MESSAGE
      "wsaccept: no libwsaccept.so/.a under ${_wsaccept_prefix}/lib* or no ${_wsaccept_prefix}/include/wsaccept.h")
  return()
endif()

# The native libraries a static Rust library needs on Linux, as
# `cargo rustc -- --print native-static-libs` reports them (also wsaccept.pc's Libs.private).
set(_wsaccept_native_libs gcc_s util rt pthread m dl c)

# cxx_std_17 only where C++ is enabled: a C-only project has no C++ compile features.
set(_wsaccept_features "")
get_property(_wsaccept_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
if("CXX" IN_LIST _wsaccept_languages)
  set(_wsaccept_features cxx_std_17)
endif()

if(NOT TARGET wsaccept::wsaccept AND EXISTS "${_wsaccept_libdir}/libwsaccept.so")
  add_library(wsaccept::wsaccept SHARED IMPORTED)
  set_target_properties(wsaccept::wsaccept PROPERTIES
    IMPORTED_LOCATION "${_wsaccept_libdir}/libwsaccept.so"
    IMPORTED_SONAME "libwsaccept.so.0"
    INTERFACE_INCLUDE_DIRECTORIES "${_wsaccept_prefix}/include"
    INTERFACE_COMPILE_FEATURES "${_wsaccept_features}")
endif()

if(NOT TARGET wsaccept::wsaccept_static AND EXISTS "${_wsaccept_libdir}/libwsaccept.a")
  add_library(wsaccept::wsaccept_static STATIC IMPORTED)
  set_target_properties(wsaccept::wsaccept_static PROPERTIES
    IMPORTED_LOCATION "${_wsaccept_libdir}/libwsaccept.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_LINK_LIBRARIES "${_wsaccept_native_libs}"
    INTERFACE_INCLUDE_DIRECTORIES "${_wsaccept_prefix}/include"
    INTERFACE_COMPILE_FEATURES "${_wsaccept_features}")
endif()

set(wsaccept_INCLUDE_DIR "${_wsaccept_prefix}/include")
set(wsaccept_LIBRARY_DIR "${_wsaccept_libdir}")
unset(_wsaccept_dir)
unset(_wsaccept_features)
unset(_wsaccept_languages)
unset(_wsaccept_native_libs)
