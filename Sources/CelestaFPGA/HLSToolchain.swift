import CelestaIR
import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// g++ and the ap_types headers for the C simulation of generated projects.
///
/// The ap_types headers (Xilinx, Apache-2.0) are never part of Celesta: they come from the
/// `hls4ml==1.3.0` wheel (`make` installs it into `.venv`), found in this order: the folder
/// given by the caller, `$CELESTA_AP_TYPES`, the active virtualenv (`$VIRTUAL_ENV`), a
/// `.venv` in the current folder or one of its parents.
public enum HLSToolchain {
    static let wheelPath = "hls4ml/templates/vivado/ap_types"

    public static func findAPTypes(_ explicit: String? = nil) throws -> String {
        if let explicit {
            guard Shell.exists("\(explicit)/ap_fixed.h") else {
                throw CelestaError(.notFound, "ap_types folder '\(explicit)' has no ap_fixed.h; give the folder that holds ap_fixed.h and hls_stream.h (pip install hls4ml==1.3.0 ships them in site-packages/\(wheelPath))")
            }
            return explicit
        }
        var candidates: [String] = []
        if let env = ProcessInfoLite.environment("CELESTA_AP_TYPES") { candidates.append(env) }
        if let venv = ProcessInfoLite.environment("VIRTUAL_ENV") { candidates += sitePackages(venv) }
        var dir = FileManager.default.currentDirectoryPath
        while true {
            candidates += sitePackages("\(dir)/.venv")
            let parent = NSStringLite(s: dir).deletingLastPathComponent
            if parent == dir || parent.isEmpty { break }
            dir = parent
        }
        for c in candidates where Shell.exists("\(c)/ap_fixed.h") && Shell.exists("\(c)/hls_stream.h") { return c }
        throw CelestaError(.notFound, "no ap_types headers (ap_fixed.h, hls_stream.h) found: run `make` (it installs hls4ml==1.3.0 into .venv), or `pip install hls4ml==1.3.0` in your virtualenv, or give their folder (ap_types= in Python, --ap-types on the command line, or $CELESTA_AP_TYPES); see README \"ap_types headers\"")
    }

    static func sitePackages(_ venv: String) -> [String] {
        let lib = "\(venv)/lib"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: lib) else { return [] }
        return entries.filter { $0.hasPrefix("python") }.sorted().map { "\(lib)/\($0)/site-packages/\(wheelPath)" }
    }

    /// The C++ compiler: `$CXX`, else g++ on PATH.
    public static func findCompiler() throws -> String {
        let name = ProcessInfoLite.environment("CXX") ?? "g++"
        guard let path = Shell.which(name) else {
            throw CelestaError(.notFound, "C++ compiler '\(name)' not found on PATH: install g++ (Debian/Ubuntu: apt-get install g++) or set CXX to a C++17 compiler")
        }
        return path
    }

    /// Flags shared by the precompiled header and the compilation that uses it.
    /// `-fno-gnu-unique` (GCC): the kernels' function-local statics stay private to each loaded
    /// copy of a C-sim library, so loading a fresh copy starts from zero state.
    /// Celesta's C-simulation `hls_stream.h` (CSimStream) comes first on the include path.
    static func flags(_ apTypes: String, optimization: Int) -> String {
        let stream = streamInclude().map { "-I\(Shell.quote($0)) " } ?? ""
        return "-std=c++17 -O\(optimization) -fPIC -fno-gnu-unique -DCELESTA_TRACE -DCELESTA_UNITY \(stream)-I\(Shell.quote(apTypes))"
    }

    /// The folder of Celesta's C-simulation `hls_stream.h`, written once per user
    /// (`$XDG_CACHE_HOME/celesta/hls-include/<hash of its text>`, else `~/.cache/...`, to a
    /// temporary name then renamed: concurrent compilations never read half a file); nil when
    /// there is no cache folder (the ap_types folder's own header is used then).
    static func streamInclude() -> String? {
        guard let home = ProcessInfoLite.environment("XDG_CACHE_HOME") ?? ProcessInfoLite.environment("HOME").map({ "\($0)/.cache" }) else { return nil }
        var h: UInt64 = 0xcbf29ce484222325
        for b in CSimStream.header.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        let dir = "\(home)/celesta/hls-include/\(String(h, radix: 16))"
        let path = "\(dir)/\(CSimStream.fileName)"
        if Shell.readText(path) == CSimStream.header { return dir }
        guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil else { return nil }
        let tmp = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        guard Shell.writeText(CSimStream.header, to: tmp), rename(tmp, path) == 0 else { unlink(tmp); return nil }
        return dir
    }

    /// Held while a precompiled header is looked up or built: concurrent compilations of one
    /// process (`compileSuite`'s programs side by side) build a missing header once, not once each.
    static let precompiledHeaderLock = Mutex(())

    /// The ap_types precompiled header for these flags, built once and cached per user
    /// (`$XDG_CACHE_HOME/celesta/hls-pch`, else `~/.cache/...`); nil when it cannot be built
    /// (the compilation then parses the headers itself).
    static func precompiledHeader(cxx: String, apTypes: String, optimization: Int) -> String? {
        precompiledHeaderLock.withLock { _ in buildPrecompiledHeader(cxx: cxx, apTypes: apTypes, optimization: optimization) }
    }

    private static func buildPrecompiledHeader(cxx: String, apTypes: String, optimization: Int) -> String? {
        guard let home = ProcessInfoLite.environment("XDG_CACHE_HOME") ?? ProcessInfoLite.environment("HOME").map({ "\($0)/.cache" }) else { return nil }
        let version = Shell.run("\(Shell.quote(cxx)) -dumpfullversion -dumpversion").output.split(separator: "\n").first.map(String.init) ?? ""
        let key = "\(cxx)|\(version)|\(apTypes)|\(flags(apTypes, optimization: optimization))|\(HLSKernels.snnHeader.utf8.count)"
        var h: UInt64 = 0xcbf29ce484222325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        let dir = "\(home)/celesta/hls-pch/\(String(h, radix: 16))"
        let header = "\(dir)/celesta_pch.h"
        if Shell.exists(header + ".gch") { return header }
        _ = try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = "#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n#include <vector>\n#include \"ap_fixed.h\"\n#include \"ap_int.h\"\n#include \"hls_stream.h\"\n"
        guard Shell.writeText(text, to: header) else { return nil }
        let tmp = "\(header).gch.\(UInt32.random(in: 0...UInt32.max))"
        let r = Shell.run("\(Shell.quote(cxx)) \(flags(apTypes, optimization: optimization)) -x c++-header \(Shell.quote(header)) -o \(Shell.quote(tmp))")
        guard r.status == 0, rename(tmp, header + ".gch") == 0 else { unlink(tmp); return nil }
        return header
    }

    /// Compiles a generated project's testbench into `<dir>/csim` (one translation unit with the
    /// top function, using the cached precompiled header), or with `sharedLibrary` its bridge
    /// into `firmware/<project>.so`. Errors carry g++'s messages.
    /// `optimization` 0 (the default) compiles fastest; the numbers are the same at every level
    /// (integer ap_types arithmetic), a higher level only runs long simulations faster.
    ///
    /// The translation unit's object does not depend on the project's folder (the weights
    /// folder is a variable, defined by a one-line unit linked with it), so it is cached per
    /// user (`$XDG_CACHE_HOME/celesta/hls-obj`, else `~/.cache/...`) under a SHA-256 of the
    /// compiler, its flags, the ap_types folder and every source text the C simulation
    /// compiles (the weights' values are read from the .txt files at run time, so new weights
    /// of the same network find the object too); compiling a network again only links.
    /// `CELESTA_HLS_OBJECT_CACHE=0` in the environment compiles without the cache.
    public static func compile(project dir: String, apTypes explicit: String? = nil, optimization: Int = 0,
                               sharedLibrary: Bool = false) throws {
        let cxx = try findCompiler()
        let ap = try findAPTypes(explicit)
        guard let name = projectName(dir) else {
            throw CelestaError(.notFound, "'\(dir)' is not a generated HLS project (no firmware/*.cpp top function)")
        }
        let source = sharedLibrary ? "\(name)_bridge.cpp" : "\(name)_test.cpp"
        let output = sharedLibrary ? "firmware/\(name).so" : "csim"
        let common = "\(compileCommand(cxx: cxx, apTypes: ap, optimization: optimization)) -Ifirmware"
        let variable = "-DCELESTA_WEIGHTS_DIR_VARIABLE -DWEIGHTS_DIR=celesta_weights_dir"
        let object = cachedObjectPath(project: dir, source: source, key: "\(common) \(variable)")
        let dirUnit = Shell.tempPath("weights_dir.cpp")
        defer { unlink(dirUnit) }
        guard Shell.writeText("extern \"C\" { extern const char *const celesta_weights_dir; const char *const celesta_weights_dir = \(cQuote("\(dir)/firmware/weights")); }\n", to: dirUnit) else {
            throw CelestaError(.io, "cannot write '\(dirUnit)'")
        }
        var steps: [String] = []
        if let object, !Shell.exists(object) {
            // compiled to a temporary name, then renamed: concurrent compilations never see half an object
            let tmp = "\(object).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).o"
            steps.append("\(common) \(variable) -c \(source) -o \(Shell.quote(tmp)) && mv -f \(Shell.quote(tmp)) \(Shell.quote(object)) || { rm -f \(Shell.quote(tmp)); exit 1; }")
        }
        let link = sharedLibrary ? " -shared" : ""
        if let object {
            // the one-line unit needs no ap_types (nor the precompiled header)
            let gold = Shell.which("ld.gold") != nil ? " -fuse-ld=gold" : ""
            steps.append("\(Shell.quote(cxx)) -fPIC\(gold)\(link) \(Shell.quote(object)) -x c++ \(Shell.quote(dirUnit)) -o \(output)")
        } else {
            // no cache folder: one compilation with the folder compiled in
            let weights = "-DWEIGHTS_DIR=\(Shell.quote("\"\(dir)/firmware/weights\""))"
            steps.append("\(common) \(weights)\(link) \(source) -o \(output)")
        }
        let r = Shell.run("cd \(Shell.quote(dir)) && " + steps.joined(separator: " && "))
        guard r.status == 0 else {
            throw CelestaError(.io, "g++ failed to compile the C simulation of '\(dir)' (exit \(r.status)):\n\(String(r.output.prefix(4000)))")
        }
    }

    /// The cache path of a project's translation unit `source` compiled with `key` (the command
    /// and flags), nil when there is no cache folder. The hash covers every file under
    /// `firmware` (for the weight headers only their C-simulation part: the declarations before
    /// `#else`; the values after it are for synthesis) and the unit itself.
    static func cachedObjectPath(project dir: String, source: String, key: String) -> String? {
        cachedObjectPath(projects: [(dir, source)], key: key)
    }

    /// The cache path of one translation unit made of several projects' sources (in order).
    static func cachedObjectPath(projects: [(dir: String, source: String)], key: String) -> String? {
        guard ProcessInfoLite.environment("CELESTA_HLS_OBJECT_CACHE") != "0", let home = ProcessInfoLite.environment("XDG_CACHE_HOME") ?? ProcessInfoLite.environment("HOME").map({ "\($0)/.cache" }) else { return nil }
        let cache = "\(home)/celesta/hls-obj"
        guard (try? FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)) != nil else { return nil }
        var sha = SHA256()
        let version = Shell.run("\(key.split(separator: " ").first.map(String.init) ?? "g++") -dumpfullversion -dumpversion").output
        sha.update("celesta-hls-obj 1\n\(key)\n\(version)\n")
        for (k, p) in projects.enumerated() {
            if projects.count > 1 { sha.update("project \(k)\n") }
            guard hashSources(&sha, project: p.dir, source: p.source) else { return nil }
        }
        return "\(cache)/\(sha.hexDigest()).o"
    }

    /// Adds a project's C-simulation sources to `sha`: the unit `source` and every file under
    /// `firmware` (for the weight headers only their C-simulation part). False when a file
    /// cannot be read.
    static func hashSources(_ sha: inout SHA256, project dir: String, source: String) -> Bool {
        var files = [source]
        var folders = ["firmware"]
        while let folder = folders.popLast() {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(folder)") else { continue }
            for e in entries.sorted() {
                let path = "\(folder)/\(e)"
                if (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(path)")) != nil {
                    folders.append(path)
                } else if e.hasSuffix(".h") || e.hasSuffix(".cpp") || e.hasSuffix(".hpp") {
                    files.append(path)
                }
            }
        }
        for f in files.sorted() {
            guard var text = Shell.readText("\(dir)/\(f)") else { return false }
            if f.hasPrefix("firmware/weights/"), let r = text.firstRange(of: "\n#else\n") { text = String(text[..<r.lowerBound]) }
            sha.update("\(f)\n\(text.utf8.count)\n")
            sha.update(text)
        }
        return true
    }

    /// The compiler with the precompiled header (when it can be built) and the shared flags;
    /// gold links when it is installed (a few tenths of a second less than ld.bfd).
    static func compileCommand(cxx: String, apTypes ap: String, optimization: Int) -> String {
        let pch = precompiledHeader(cxx: cxx, apTypes: ap, optimization: optimization)
        let include = pch.map { "-include \(Shell.quote($0)) -Winvalid-pch " } ?? ""
        let gold = Shell.which("ld.gold") != nil ? " -fuse-ld=gold" : ""
        return "\(Shell.quote(cxx)) \(include)\(flags(ap, optimization: optimization))\(gold)"
    }

    /// Compiles several generated projects as ONE program `output` (one translation unit, one
    /// g++ run: the ap_types templates are instantiated and compiled once instead of once per
    /// project). Each project's own testbench and top function sit in a namespace of their
    /// own (the kernels header is the first project's: every project generated by this version
    /// has the same); the projects must have distinct project names (their include guards
    /// carry it). `runSuite(output, index:, ...)` runs the testbench of project `index`.
    /// `apConversions`: doubles are converted by ap_types' own constructor
    /// (`-DCELESTA_AP_CONVERSIONS`) instead of the kernels' `from_double` (same numbers).
    ///
    /// The program's object does not depend on the projects' folders (project K's weights
    /// folder is entry K of an array that a one-line unit linked with it defines), so it is
    /// cached as `compile`'s objects are, under a SHA-256 of the compiler, its flags and every
    /// project's C-simulation sources in order: the same projects compiled again, in any
    /// folders and with any weight values, only link. `cache: false` (for projects that will
    /// not be compiled again, such as random networks, which would only fill the cache) or
    /// `CELESTA_HLS_OBJECT_CACHE=0` compiles without the cache.
    public static func compileSuite(projects dirs: [String], output: String, apTypes explicit: String? = nil,
                                    optimization: Int = 0, apConversions: Bool = false, cache: Bool = true) throws {
        let cxx = try findCompiler()
        let ap = try findAPTypes(explicit)
        guard !dirs.isEmpty else { throw CelestaError(.invalidArgument, "argument 'projects' is empty") }
        var names: [String] = []
        for (k, dir) in dirs.enumerated() {
            guard let name = projectName(dir) else {
                throw CelestaError(.notFound, "'\(dir)' is not a generated HLS project (no firmware/*.cpp top function)")
            }
            if let j = names.firstIndex(of: name) {
                throw CelestaError(.invalidArgument, "projects \(j) and \(k) are both named '\(name)'; projects compiled together need distinct project names")
            }
            names.append(name)
        }
        let command = "\(compileCommand(cxx: cxx, apTypes: ap, optimization: optimization))\(apConversions ? " -DCELESTA_AP_CONVERSIONS" : "")"
        let folders = "extern \"C\" {\nextern const char *const celesta_suite_weights_dirs[];\nconst char *const celesta_suite_weights_dirs[] = {\(dirs.map { cQuote("\($0)/firmware/weights") }.joined(separator: ", "))};\n}\n"
        let object = !cache ? nil : cachedObjectPath(projects: zip(dirs, names).map { ($0, "\($1)_test.cpp") },
                                      key: "\(command) suite \(suiteText(dirs.indices.map { "<\($0)>" }, names: names))")
        let source = output + ".cpp"
        let step: String
        if let object {
            guard Shell.writeText(suiteText(dirs, names: names), to: source) else { throw CelestaError(.io, "cannot write '\(source)'") }
            let unit = output + "-folders.cpp"
            guard Shell.writeText(folders, to: unit) else { throw CelestaError(.io, "cannot write '\(unit)'") }
            var steps: [String] = []
            if !Shell.exists(object) {
                // compiled to a temporary name, then renamed: concurrent compilations never see half an object
                let tmp = "\(object).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).o"
                steps.append("\(command) -c \(Shell.quote(source)) -o \(Shell.quote(tmp)) && mv -f \(Shell.quote(tmp)) \(Shell.quote(object)) || { rm -f \(Shell.quote(tmp)); exit 1; }")
            }
            // the one-line unit needs no ap_types (nor the precompiled header)
            let gold = Shell.which("ld.gold") != nil ? " -fuse-ld=gold" : ""
            steps.append("\(Shell.quote(cxx)) -fPIC\(gold) \(Shell.quote(object)) -x c++ \(Shell.quote(unit)) -o \(Shell.quote(output))")
            step = steps.joined(separator: " && ")
        } else {
            guard Shell.writeText(suiteText(dirs, names: names) + folders, to: source) else { throw CelestaError(.io, "cannot write '\(source)'") }
            step = "\(command) \(Shell.quote(source)) -o \(Shell.quote(output))"
        }
        let r = Shell.run(step)
        guard r.status == 0 else {
            throw CelestaError(.io, "g++ failed to compile the C simulations of \(dirs.count) projects (exit \(r.status)):\n\(String(r.output.prefix(4000)))")
        }
    }

    /// The translation unit of `compileSuite` for projects at `paths` named `names`. Project K's
    /// weights folder is `celesta_suite_weights_dirs[K]` (defined by another unit).
    static func suiteText(_ paths: [String], names: [String]) -> String {
        var text = """
        // Generated by Celesta: several HLS projects' C simulations in one program.
        // Usage: <program> K [input.dat [output.dat [trace.txt]]] runs project K's testbench.
        #include <cstdio>
        #include <cstdlib>
        #include <cstring>
        #include <vector>
        #include "ap_fixed.h"
        #include "ap_int.h"
        #include "hls_stream.h"
        #include \(cQuote("\(paths[0])/firmware/celesta/\(HLSKernels.fileName)"))
        extern "C" const char *const celesta_suite_weights_dirs[];

        """
        for (k, (path, name)) in zip(paths, names).enumerated() {
            text += """
            namespace celesta_suite_\(k) {
            #undef WEIGHTS_DIR
            #define WEIGHTS_DIR (celesta_suite_weights_dirs[\(k)])
            #define main celesta_suite_main
            #include \(cQuote("\(path)/\(name)_test.cpp"))
            #undef main
            #undef N_INPUT
            #undef N_OUTPUT
            }

            """
        }
        text += """
        int main(int argc, char **argv) {
            static int (*const mains[])(int, char **) = {\(paths.indices.map { "celesta_suite_\($0)::celesta_suite_main" }.joined(separator: ", "))};
            const unsigned n = sizeof mains / sizeof mains[0];
            char *end = 0;
            const unsigned long k = argc > 1 ? std::strtoul(argv[1], &end, 10) : n;
            if (argc < 2 || *end || k >= n) {
                std::fprintf(stderr, "usage: %s K [input [output [trace]]] with K < %u\\n", argv[0], n);
                return 2;
            }
            argv[1] = argv[0];
            return mains[k](argc - 1, argv + 1);
        }

        """
        return text
    }

    /// The project (top function) name of a generated project folder.
    static func projectName(_ dir: String) -> String? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/firmware") else { return nil }
        for e in entries.sorted() where e.hasSuffix(".cpp") && Shell.exists("\(dir)/\(e.dropLast(4))_test.cpp") {
            return String(e.dropLast(4))
        }
        return nil
    }

    /// A C string literal of a path.
    static func cQuote(_ s: String) -> String {
        "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    /// Runs a compiled project's C simulation on `[T][n_in]` inputs from zero state; returns
    /// `[T][n_out]` and, if asked, every layer's values of every step.
    public static func runCSim(project dir: String, inputs: [[Double]], trace: Bool = false) throws -> (output: [[Double]], trace: HLSTrace?) {
        guard Shell.exists("\(dir)/csim") else {
            throw CelestaError(.invalidState, "'\(dir)' has no compiled C simulation (csim); compile it first")
        }
        return try runTestbench("cd \(Shell.quote(dir)) && ./csim", what: "the C simulation of '\(dir)'", inputs: inputs, trace: trace)
    }

    /// Runs the testbench of project `index` of a program made by `compileSuite`, as `runCSim`.
    public static func runSuite(_ program: String, index: Int, inputs: [[Double]], trace: Bool = false) throws -> (output: [[Double]], trace: HLSTrace?) {
        guard Shell.exists(program) else {
            throw CelestaError(.invalidState, "'\(program)' does not exist; compileSuite makes it")
        }
        return try runTestbench("\(Shell.quote(program)) \(index)", what: "project \(index) of '\(program)'", inputs: inputs, trace: trace)
    }

    private static func runTestbench(_ command: String, what: String, inputs: [[Double]], trace: Bool) throws -> (output: [[Double]], trace: HLSTrace?) {
        let input = Shell.tempPath("in.dat"), output = Shell.tempPath("out.dat"), tracePath = Shell.tempPath("trace.txt")
        defer { unlink(input); unlink(output); unlink(tracePath) }
        let text = inputs.map { row in row.map { "\(Float($0))" }.joined(separator: " ") }.joined(separator: "\n") + "\n"
        guard Shell.writeText(text, to: input) else { throw CelestaError(.io, "cannot write '\(input)'") }
        let r = Shell.run("\(command) \(Shell.quote(input)) \(Shell.quote(output))\(trace ? " " + Shell.quote(tracePath) : "")")
        guard r.status == 0 else { throw CelestaError(.io, "\(what) failed (exit \(r.status)): \(r.output.prefix(2000))") }
        let rows = (Shell.readText(output) ?? "").split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        guard rows.count == inputs.count else {
            throw CelestaError(.io, "\(what) wrote \(rows.count) rows for \(inputs.count) steps")
        }
        guard trace else { return (rows, nil) }
        var t = HLSTrace()
        for line in (Shell.readText(tracePath) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, parts[0] != "step" else { continue }
            t.append(String(parts[0]), String(parts[1]), parts.dropFirst(2).compactMap { Double($0) })
        }
        return (rows, t)
    }
}

/// Path helper without Foundation's NSString.
struct NSStringLite {
    let s: String
    var deletingLastPathComponent: String {
        guard let i = s.lastIndex(of: "/") else { return "" }
        return i == s.startIndex ? "/" : String(s[..<i])
    }
}
