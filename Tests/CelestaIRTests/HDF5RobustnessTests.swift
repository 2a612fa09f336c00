import CelestaIR
import Foundation
import XCTest

/// Damaged, foreign and hostile files, and the atomic write.
final class HDF5RobustnessTests: XCTestCase {
    private func assertFails(
        _ path: String, _ codes: Set<StatusCode>, containing text: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try HDF5File.read(path: path)
            XCTFail("\(path): read succeeded", file: file, line: line)
        } catch {
            XCTAssertTrue(codes.contains(error.code), "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(text ?? path), "\(error)", file: file, line: line)
        }
    }

    func testForeignFilesAreRefusedNamingThePath() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let text = folder.appendingPathComponent("notes.t1c").path
        try Data("not an HDF5 file at all, just some text that is long enough\n".utf8).write(to: URL(fileURLWithPath: text))
        assertFails(text, [.parse])
        let empty = folder.appendingPathComponent("empty.nir").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        assertFails(empty, [.parse, .io])
        assertFails(folder.appendingPathComponent("missing.t1c").path, [.io])
        assertFails(folder.path, [.io])
        let fifo = folder.appendingPathComponent("fifo.t1c").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        assertFails(fifo, [.io])
    }

    /// Truncations at every 1/16 of each fixture and 200 seeded single-byte flips: each read
    /// either succeeds or throws CelestaError; HDF5 never writes to stderr.
    func testDamagedFilesFailCleanlyAndSilently() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let damaged = folder.appendingPathComponent("damaged.h5").path
        var outcomes = (ok: 0, failed: 0)
        var codes = [StatusCode: Int]()
        let stderrCapture = folder.appendingPathComponent("stderr.txt").path
        _ = FileManager.default.createFile(atPath: stderrCapture, contents: nil)
        let savedStderr = dup(2)
        let captureFD = open(stderrCapture, O_WRONLY)
        dup2(captureFD, 2)
        defer {
            dup2(savedStderr, 2)
            close(savedStderr)
            close(captureFD)
        }
        var seed: UInt64 = 0x5EED_CE1E_57A0
        func next() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed >> 17
        }
        for (path, _) in try IRFixtures.hdf5Files() {
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            var variants: [Data] = (0..<16).map { original.prefix(original.count * $0 / 16) }
            for _ in 0..<200 {
                var bytes = original
                let at = Int(next() % UInt64(bytes.count))
                bytes[at] ^= UInt8(truncatingIfNeeded: next() % 255 + 1)
                variants.append(bytes)
            }
            for bytes in variants {
                try bytes.write(to: URL(fileURLWithPath: damaged))
                do {
                    _ = try HDF5File.read(path: damaged)
                    outcomes.ok += 1
                } catch {
                    XCTAssertTrue(error.message.contains(damaged), "\(error)")
                    codes[error.code, default: 0] += 1
                    outcomes.failed += 1
                }
            }
        }
        fflush(nil)
        let printed = try String(contentsOfFile: stderrCapture, encoding: .utf8)
        XCTAssertEqual(printed, "", "HDF5 printed to stderr")
        print("damaged files: \(outcomes.ok) read, \(outcomes.failed) refused \(codes.map { "\($0.key.name)=\($0.value)" }.sorted())")
    }

    /// Files only h5py can make: unsupported datatypes and links, cycles, deep nesting, and the
    /// foreign-but-fine encodings (fixed-length and ASCII strings).
    func testHostileAndForeignLayouts() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let script = """
        import sys, h5py, numpy as np
        d = sys.argv[1]
        def mk(name, fill):
            with h5py.File(d + '/' + name + '.h5', 'w') as f: fill(f)
        mk('compound', lambda f: f.create_dataset('g/x', data=np.zeros(3, dtype=[('a', 'i4'), ('b', 'f8')])))
        mk('opaque', lambda f: f.create_dataset('x', data=np.void(b'abcd')))
        mk('reference', lambda f: f.create_dataset('x', data=f.ref, dtype=h5py.ref_dtype))
        mk('array', lambda f: f.create_dataset('x', shape=(2,), dtype=np.dtype('(3,)i4')))
        mk('enum', lambda f: f.create_dataset('x', data=np.int8(1), dtype=h5py.enum_dtype({'RED': 0, 'GREEN': 1}, basetype='i1')))
        mk('complex', lambda f: f.create_dataset('x', data=np.zeros(2, dtype='c8')))
        mk('soft', lambda f: (f.create_group('a'), f.__setitem__('b', h5py.SoftLink('/a'))))
        mk('external', lambda f: f.__setitem__('b', h5py.ExternalLink('other.h5', '/a')))
        def cycle(f):
            g = f.create_group('a/b')
            g['up'] = f['a']
        mk('cycle', cycle)
        def deep(f):
            f.create_group('/'.join(['g'] * 70))
        mk('deep', deep)
        def shared(f):
            f.create_dataset('a/x', data=np.arange(3))
            f['b'] = f['a']
        mk('shared', shared)
        def foreign(f):
            f.create_dataset('fixed', data=np.array([b'ab', b'cde'], dtype='S3'))
            f.create_dataset('ascii', data=b'hello', dtype=h5py.string_dtype('ascii'))
            f.create_dataset('big', data=np.arange(4, dtype='>i4'))
            f.create_dataset('shuffled', data=np.arange(100.0), compression='gzip', shuffle=True)
            f.attrs['fixed_attr'] = np.bytes_(b'xyz')
        mk('foreign', foreign)
        print('[]')
        """
        _ = try IRFixtures.python(script: script, [folder.path])
        func path(_ name: String) -> String { folder.appendingPathComponent(name + ".h5").path }
        assertFails(path("compound"), [.unsupported], containing: "'/g/x': unsupported datatype (compound)")
        assertFails(path("opaque"), [.unsupported], containing: "(opaque)")
        assertFails(path("reference"), [.unsupported], containing: "(reference)")
        assertFails(path("array"), [.unsupported], containing: "(array)")
        assertFails(path("enum"), [.unsupported], containing: "enum other than h5py's bool")
        assertFails(path("complex"), [.unsupported], containing: "(compound)")
        assertFails(path("soft"), [.unsupported], containing: "'/b': soft links")
        assertFails(path("external"), [.unsupported], containing: "'/b': external links")
        assertFails(path("cycle"), [.parse], containing: "'/a/b/up': hard-link cycle")
        assertFails(path("deep"), [.limitExceeded], containing: "nested deeper than 64")
        for name in ["compound", "soft", "cycle", "deep"] { assertFails(path(name), [.unsupported, .parse, .limitExceeded]) }

        let shared = try HDF5File.read(path: path("shared"))
        XCTAssertEqual(shared.group("a"), shared.group("b"))
        let foreign = try HDF5File.read(path: path("foreign"))
        XCTAssertEqual(foreign.dataset("fixed")?.value, .strings(["ab", "cde"]))
        XCTAssertEqual(foreign.dataset("ascii")?.value, .string("hello"))
        XCTAssertEqual(foreign.dataset("big")?.value, .numbers(try Tensor(converting: [0, 1, 2, 3], to: .int32)))
        XCTAssertEqual(foreign.dataset("shuffled")?.value, .numbers(try Tensor((0..<100).map(Double.init))))
        XCTAssertEqual(foreign.attribute("fixed_attr"), .string("xyz"))
    }

    // MARK: atomic write

    private func sample() throws -> HDF5Group {
        HDF5Group(children: [(name: "x", node: .dataset(HDF5Dataset(.numbers(try Tensor([1, 2, 3])))))])
    }

    private func entries(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    func testWriteIntoMissingFolderFailsAndLeavesNothing() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("nope/x.h5").path
        XCTAssertThrowsError(try HDF5File.write(try sample(), to: path)) { error in
            let e = error as! CelestaError
            XCTAssertEqual(e.code, .io)
            XCTAssertTrue(e.message.contains(path), e.message)
        }
        XCTAssertEqual(entries(folder), [])
    }

    func testFailedWriteLeavesTheTargetUntouched() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("model.t1c").path
        try HDF5File.write(try sample(), to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var bad = try sample()
        bad.set("y", .dataset(HDF5Dataset(.numbers(try Tensor([4])))))
        bad.set("z", .dataset(HDF5Dataset(.strings(["fine", "nul\u{0}inside"]))))
        XCTAssertThrowsError(try HDF5File.write(bad, to: path)) { error in
            let e = error as! CelestaError
            XCTAssertEqual(e.code, .invalidArgument)
            XCTAssertTrue(e.message.contains("'/z'"), e.message)
        }
        var mismatched = try sample()
        mismatched.set("w", .dataset(HDF5Dataset(.bools(shape: [3], values: [true]))))
        XCTAssertThrowsError(try HDF5File.write(mismatched, to: path))
        var chunkedScalar = try sample()
        chunkedScalar.set("s", .dataset(HDF5Dataset(.numbers(try Tensor(int64: [1], shape: [])), storage: .gzip)))
        XCTAssertThrowsError(try HDF5File.write(chunkedScalar, to: path))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(entries(folder), ["model.t1c"])
    }

    func testWriteFollowsSymlinksAndRefusesSpecialFiles() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let real = folder.appendingPathComponent("real.h5").path
        let link = folder.appendingPathComponent("link.h5").path
        try HDF5File.write(HDF5Group(), to: real)
        XCTAssertEqual(symlink("real.h5", link), 0)
        try HDF5File.write(try sample(), to: link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "real.h5")
        XCTAssertEqual(try HDF5File.read(path: real), try sample())
        XCTAssertEqual(entries(folder), ["link.h5", "real.h5"])

        let fifo = folder.appendingPathComponent("fifo.h5").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for target in [fifo, folder.path] {
            XCTAssertThrowsError(try HDF5File.write(try sample(), to: target)) { error in
                let e = error as! CelestaError
                XCTAssertEqual(e.code, .io)
                XCTAssertTrue(e.message.contains(target), e.message)
            }
        }
        XCTAssertEqual(entries(folder), ["fifo.h5", "link.h5", "real.h5"])
    }
}
