# Project-wide compile options: warnings, sanitizers.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter
                    -Wno-missing-field-initializers)
# Boost.Asio 1.74 and cpprestsdk headers are noisy under newer compilers.
# Every target must see Boost.Asio configured the same way: cpprestsdk's headers need Asio's
# deprecated API, and a macro such as BOOST_ASIO_NO_DEPRECATED on some targets only makes their
# inline Asio code differ from the kube client's (an ODR clash that crashes at -O0).
add_compile_definitions(BOOST_BIND_GLOBAL_PLACEHOLDERS)

if(ATTACHE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
