// swift-tools-version: 6.0
//
// Celesta: deploy spiking neural networks to Xylo neuromorphic chips and FPGAs.
//
// Layers (see README.md, "Architecture"):
//   CelestaIR    - the target-neutral core: the network IR with its primitives as data, files
//                  (NIR, .t1c and HDF5 through libhdf5, JSON, .npy), errors, support. No
//                  backend's names in here.
//   CelestaXylo  - the Xylo backend: chips, mapper, quantizers, simulator, cycles, power, audio
//                  front ends (pure Swift; no C types in its public API)
//   CelestaWideKernels - hot loops of CelestaXylo (and CelestaCPU's dense layer) compiled for
//                  AVX2 (x86-64-v3), run only after CCPUFeatures has found the CPU able to
//   CelestaHDK   - the dev-kit driver (transport protocol, libusb transport, virtual kit)
//   CLibUSB, CHDF5, CDeflate - system-library targets for the C libraries we link
//   CelestaABI   - C declarations of the ABI's structs and handle types (imported by the shim)
//   Celesta      - the C ABI shim, the only place with exported C functions -> libcelesta.so
//   celesta-cli  - the `celesta` command
import PackageDescription

/// Links the Swift runtime (and FoundationEssentials with the archives it needs, which
/// swift-argument-parser and our JSON code use) statically into a product, so that consumers
/// of libcelesta.so and of the `celesta` command need no Swift toolchain. Given as linker flags
/// on the products rather than `--static-swift-stdlib`, so that one `swift build --build-tests`
/// builds the products and the (dynamically linked) XCTest bundle together.
let staticSwiftRuntime = [
    "-static-stdlib",
    "-Xlinker", "--start-group",
    "-lFoundationEssentials", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
    "-Xlinker", "--end-group",
]

/// CelestaWideKernels is compiled for Haswell-level x86-64 CPUs (AVX2); elsewhere it builds
/// as plain Swift and is never called (CCPUFeatures reports no x86-64-v3 there). Swift's LLVM
/// knows no `x86-64-v3` CPU name; `haswell` adds AES, PCLMUL, RDRND and the like, which the
/// compiler emits only for their intrinsics (the loops use none). The condition is the build
/// machine's architecture: build on the architecture you run on (no cross-compiling).
#if arch(x86_64)
let wideKernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let wideKernelSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "Celesta",
    products: [
        // The shared library (and the CLI) link the Swift runtime statically through their own
        // linker flags, so one `swift build --build-tests` builds them and the tests together.
        // The shared library: `make lib` copies it to build/lib/libcelesta.so.MAJOR.MINOR.PATCH;
        // its soname and exported-symbol list are set below.
        .library(name: "celesta", type: .dynamic, targets: ["Celesta"]),
        .executable(name: "celesta-cli", targets: ["celesta-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibUSB",
            pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]
        ),
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // libdeflate: gzip (zlib-format) chunks of HDF5 datasets compressed and decompressed
        // directly, several times faster than libhdf5's zlib filter.
        .systemLibrary(
            name: "CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .target(
            name: "CelestaIR",
            dependencies: ["CHDF5", "CDeflate"]
        ),
        .target(
            name: "CelestaXylo",
            dependencies: ["CelestaIR", "CCPUFeatures", "CelestaWideKernels"]
        ),
        // Which instruction-set level the CPU (and the OS) supports: a C header around the
        // compiler's CPU detection, imported by CelestaXylo and CelestaCPU.
        .target(name: "CCPUFeatures"),
        // The AVX2 build of the audio front end's hot loops. Everything in this module is
        // compiled for Haswell-level CPUs (AVX2, BMI2, FMA), so CelestaXylo calls it only when
        // CCPUFeatures reports x86-64-v3; on other machines the portable SSE2 loops run. Keep
        // it to loops over pointers: no generic code that other modules could share.
        .target(
            name: "CelestaWideKernels",
            swiftSettings: wideKernelSettings
        ),
        // The CPU backend: the simulator of every IR primitive (batched over all cores), its
        // kernels as a table by primitive, and TALON's simulator for talon_compatible runs.
        .target(name: "CelestaCPU", dependencies: ["CelestaIR", "CCPUFeatures", "CelestaWideKernels"]),
        .target(
            name: "CelestaHDK",
            dependencies: ["CelestaIR", "CelestaXylo", "CLibUSB"]
        ),
        // The FPGA backend: hls4ml-style HLS C++ projects, Celesta's own kernels, and a
        // bit-exact ap_fixed simulator in Swift.
        .target(name: "CelestaFPGA", dependencies: ["CelestaIR"]),
        .target(name: "CelestaABI"),
        .target(
            name: "Celesta",
            dependencies: ["CelestaIR", "CelestaXylo", "CelestaHDK", "CelestaABI", "CelestaCPU", "CelestaFPGA"],
            exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags([
                    "-Xlinker", "-soname", "-Xlinker", "libcelesta.so.0",
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/Celesta/exports.map",
                    "-Xlinker", "--no-export-dynamic",
                ] + staticSwiftRuntime),
            ]
        ),
        .executableTarget(
            name: "celesta-cli",
            dependencies: [
                "CelestaIR", "CelestaXylo", "CelestaHDK", "CelestaFPGA", "CelestaCPU",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: [.unsafeFlags(staticSwiftRuntime)]
        ),
        // `make bench`'s measurement of the HDF5 tree layer alone (HDF5File.read/write), below
        // the codecs and the C ABI. Not installed.
        .executableTarget(name: "celesta-bench-hdf5", dependencies: ["CelestaIR"]),
        .testTarget(
            name: "CelestaXyloTests",
            dependencies: ["CelestaIR", "CelestaXylo", "CelestaHDK"]
        ),
        .testTarget(name: "CelestaIRTests", dependencies: ["CelestaIR"]),
        .testTarget(name: "CelestaCPUTests", dependencies: ["CelestaIR", "CelestaCPU"]),
        .testTarget(name: "CelestaFPGATests", dependencies: ["CelestaIR", "CelestaFPGA"]),
    ]
)
