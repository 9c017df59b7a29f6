{
  # libtorch is located by scripts/find-libtorch.mjs ($LIBTORCH, a Python torch, or Debian's libtorch-dev).
  "targets": [
    {
      "target_name": "shapeseg",
      "sources": [
        "native/addon.cc",
        "native/handle.cc",
        "native/creation.cc",
        "native/ops.cc",
        "native/nn_ops.cc",
        "native/autograd.cc",
        "native/backend.cc",
        "native/cpu_allocator.cc",
        "native/distributed.cc",
        "native/distributed_sync_bn.cc",
        "native/distributed_reducer.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-libtorch.mjs --include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "<!@(node scripts/find-libtorch.mjs --defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14", "-O3"],
      "cflags_cc": ["-fexceptions", "-frtti", "<!@(node scripts/find-libtorch.mjs --cflags)"],
      "ldflags": ["<!@(node scripts/find-libtorch.mjs --ldflags)"],
      "libraries": ["<!@(node scripts/find-libtorch.mjs --libs)"]
    }
  ]
}
