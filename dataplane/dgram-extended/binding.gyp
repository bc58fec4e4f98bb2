{
  "targets": [
    {
      "target_name": "dgram_extended",
      "sources": [
        "src/native/errors.cc",
        "src/native/socket.cc",
        "src/native/receive.cc",
        "src/native/options.cc",
        "src/native/inet.cc",
        "src/native/netlink.cc",
        "src/native/probe.cc"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "cflags_cc": ["-Wall", "-Wextra", "-O2", "-std=c++17", "-fno-exceptions"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
