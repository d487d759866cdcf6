#!/usr/bin/env python3
# capture-metadata.py OUT.json IMAGE... — what tsvm reads of each PV image, copied out of it: the
# label sector, each metadata area's header sector and its committed text (a few KiB, not the
# images). Used by record-lvm2-disks.sh and record-cfgrestore.sh; the tests rebuild the images
# from it (test/helpers/disk-fixture.ts).
import base64, json, struct, sys
out, imgs = sys.argv[1], sys.argv[2:]
disks = []
for p in imgs:
    f = open(p, 'rb')
    f.seek(0, 2); size = f.tell()
    f.seek(0); first = f.read(2048)
    sec = next(i for i in range(4) if first[i*512:i*512+8] == b'LABELONE')
    label = first[sec*512:sec*512+512]
    o = struct.unpack('<I', label[20:24])[0] + 40
    def locns(o):
        out = []
        while True:
            off, sz = struct.unpack('<QQ', label[o:o+16]); o += 16
            if not off: return out, o
            out.append((off, sz))
    _, o = locns(o)
    mdas, _ = locns(o)
    areas = []
    for start, msize in mdas:
        f.seek(start); hdr = f.read(512)
        off, tsize = struct.unpack('<QQ', hdr[40:56])
        text = b''
        if off:
            first_len = min(tsize, msize - off)
            f.seek(start + off); text = f.read(first_len)
            if first_len < tsize: f.seek(start + 512); text += f.read(tsize - first_len)
        areas.append({'start': start, 'header': base64.b64encode(hdr).decode(), 'text': text.rstrip(b'\0').decode()})
    disks.append({'size': size, 'labelSector': sec, 'label': base64.b64encode(label).decode(), 'mdas': areas})
json.dump({'disks': disks}, open(out, 'w'), indent=1)
