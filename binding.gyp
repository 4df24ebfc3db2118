{
  "targets": [
    {
      "target_name": "sockit",
      "sources": [
        "native/binding.c",
        "native/constants.c",
        "native/errno.c",
        "native/errno_ext.c",
        "native/sockaddr.c",
        "native/socket.c",
        "native/sockopt.c",
        "native/io.c",
        "native/msg.c",
        "native/cmsg.c",
        "native/iface.c",
        "native/file.c",
        "native/poll.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Wunused-parameter"],
      "conditions": [
        ["OS=='linux'", {"defines": ["_GNU_SOURCE"]}],
        ["OS=='mac'", {
          "defines": ["_DARWIN_C_SOURCE"],
          "xcode_settings": {"OTHER_CFLAGS": ["-std=c11", "-Wall", "-Wextra"]}
        }]
      ]
    }
  ]
}
