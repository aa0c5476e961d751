# The scimloop image: the static binary and a CA bundle, FROM scratch.
#
# No base image is pulled: the build context is the repository with the
# binary and the CA bundle already in bin/, which is what `make image` does:
#
#   CGO_ENABLED=0 go build -trimpath -o bin/scimloop ./cmd/scimloop
#   cp /etc/ssl/certs/ca-certificates.crt bin/ca-certificates.crt
#   docker build -t scimloop .
#
# Then, for example:
#
#   docker run --rm --network host scimloop run --url https://scim.example.com/scim/v2
#   docker run --rm --network host scimloop serve --addr 127.0.0.1:8080
FROM scratch
COPY bin/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY bin/scimloop /usr/local/bin/scimloop
ENV PATH=/usr/local/bin
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/scimloop"]
CMD ["--help"]
