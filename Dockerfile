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
#
# Reports go to /report/scimloop-report by default; to keep them, mount a
# directory you own and run as yourself:
#
#   mkdir -p report && docker run --rm --network host --user "$(id -u):$(id -g)" \
#     -v "$PWD/report:/report" scimloop run --url … --out /report
#
# The image has no USER: scratch has no writable directory for an unprivileged
# user to put the default report in, and --user gives any uid at run time.
FROM scratch
COPY bin/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY bin/scimloop /usr/local/bin/scimloop
ENV PATH=/usr/local/bin
WORKDIR /report
ENTRYPOINT ["/usr/local/bin/scimloop"]
CMD ["--help"]
