{
  "variables": {
    "gige_sanitize%": 0
  },
  "targets": [
    {
      "target_name": "gige_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/napi_util.cc",
        "native/src/scene.cc",
        "native/src/scene_binding.cc",
        "native/src/scene_inspection.cc",
        "native/src/gvsp_sender.cc",
        "native/src/sender_binding.cc",
        "native/src/sender_options.cc",
        "native/src/gvsp_transmit.cc",
        "native/src/frame_assembler.cc",
        "native/src/frame_resend.cc",
        "native/src/stream_receiver.cc",
        "native/src/receiver_binding.cc",
        "native/src/unpack.cc",
        "native/src/unpack_binding.cc",
        "native/src/keepalive.cc",
        "native/src/keepalive_binding.cc",
        "native/src/clock_binding.cc"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_CPP_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-isystem", "<!(node -p \"require('path').resolve(require('node-addon-api').include_dir)\")", "-std=c++17", "-Wall", "-Wextra", "-Wshadow", "-Wconversion", "-Wno-sign-conversion", "-O3"],
      "conditions": [
        ["gige_sanitize==1", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
