#!/bin/sh
echo "make image: the Raspberry Pi image build is not implemented yet (see image-build/README.md)" >&2
exit 2
