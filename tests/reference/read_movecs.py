#!/usr/bin/env python3
"""Read an NWChem 7 movecs file (Fortran sequential unformatted, 4-byte markers).

Layout written by movecs_write (src/ddscf/vectors.F):
  basissum/geomsum/bqsum/scftype/date, scftype, lentit, title, lenbas, basis name,
  nsets, nbf, nmo(1:nsets), then per set: occ(nbf), evals(nbf), nmo vectors,
  and finally (energy, enrep).
"""
import struct, sys

def records(path):
    data = open(path, "rb").read()
    pos, out = 0, []
    while pos < len(data):
        n, = struct.unpack_from("<i", data, pos)
        rec = data[pos + 4: pos + 4 + n]
        m, = struct.unpack_from("<i", data, pos + 4 + n)
        assert m == n, "bad record marker"
        out.append(rec)
        pos += 8 + n
    return out

def read_movecs(path):
    recs = records(path)
    # find nsets/nbf/nmo: first small int records after the text records
    i = 0
    # records 0..5 are text/length records; locate nsets by scanning
    # for an 8-byte-int record followed by nbf and nmo records of the right size
    def as_int(rec):
        if len(rec) == 8:
            return struct.unpack("<q", rec)[0]
        if len(rec) == 4:
            return struct.unpack("<i", rec)[0]
        return None
    for i in range(len(recs) - 3):
        nsets = as_int(recs[i]); nbf = as_int(recs[i + 1])
        if nsets in (1, 2) and nbf and nbf > 0:
            isz = len(recs[i])
            if len(recs[i + 2]) == isz * nsets and len(recs[i + 3]) == 8 * nbf:
                break
    else:
        raise RuntimeError("could not locate header")
    isz = len(recs[i])
    fmt = "<%d%s" % (nsets, "q" if isz == 8 else "i")
    nmo = struct.unpack(fmt, recs[i + 2])
    j = i + 3
    sets = []
    for s in range(nsets):
        occ = struct.unpack("<%dd" % nbf, recs[j]); j += 1
        ev = struct.unpack("<%dd" % nbf, recs[j]); j += 1
        vecs = [struct.unpack("<%dd" % nbf, recs[j + k]) for k in range(nmo[s])]
        j += nmo[s]
        sets.append({"occ": list(occ[:nmo[s]]), "eps": list(ev[:nmo[s]]),
                     "vecs": vecs})
    tail = struct.unpack("<2d", recs[j]) if j < len(recs) and len(recs[j]) == 16 else None
    return {"nsets": nsets, "nbf": nbf, "nmo": list(nmo), "sets": sets,
            "energy": tail[0] if tail else None, "enrep": tail[1] if tail else None}

if __name__ == "__main__":
    r = read_movecs(sys.argv[1])
    print("nsets", r["nsets"], "nbf", r["nbf"], "nmo", r["nmo"], "E", repr(r["energy"]), "Enuc", repr(r["enrep"]))
    for s in r["sets"]:
        print("occ", s["occ"])
        print("eps", ["%.12f" % e for e in s["eps"]])
