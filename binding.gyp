{
  "variables": {
    # 1 builds the addon under AddressSanitizer and UBSan, for scripts/asan.sh
    # (npm run test:asan): node-gyp rebuild -- -Dsanitize=1. 0, the default, adds nothing.
    "sanitize%": 0
  },
  "targets": [
    {
      "target_name": "sockit",
      "sources": [
        "native/binding.c",
        "native/constants.c",
        "native/constants_linux.c",
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
        "native/poll.c",
        "native/env.c",
        "native/process.c",
        "native/lock.c",
        "native/waiter.c",
        "native/mq.c",
        "native/sem.c",
        "native/shm.c",
        "native/copy.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Wunused-parameter"],
      "conditions": [
        # librt holds mq_open and friends before glibc 2.34 (in libc since, where -lrt is empty).
        ["OS=='linux'", {"defines": ["_GNU_SOURCE"], "libraries": ["-lrt"]}],
        ["sanitize==1", {
          "cflags_c": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags": ["-fsanitize=address,undefined"]
        }],
        ["OS=='mac'", {
          "defines": ["_DARWIN_C_SOURCE"],
          "xcode_settings": {"OTHER_CFLAGS": ["-std=c11", "-Wall", "-Wextra"]}
        }]
      ]
    }
  ]
}
