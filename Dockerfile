# syntax=docker/dockerfile:1
#
# The HTTP daemon of MCP Memory Service in a small image: one static binary
# (no cgo), run as a non-root user, its data in the /data volume.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg COMMIT=$(git rev-parse HEAD) -t mcp-memory .
#   docker run -d --name memory -p 8000:8000 -v mcp-memory:/data \
#              -e MCP_API_KEY=$(openssl rand -hex 24) \
#              -e MCP_ALLOWED_HOSTS=memory.example.com mcp-memory
#
# Listening on 0.0.0.0 inside the container needs authentication: set
# MCP_API_KEY (an admin key, at least 16 characters), create keys with
# `docker exec memory memory keys create -name NAME`, or turn on OAuth
# (MCP_OAUTH_ENABLED=true). Clients reaching the server by another name
# than localhost need it in MCP_ALLOWED_HOSTS.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first, so that code changes reuse this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=0.1.0-dev
ARG COMMIT=
# CGO_ENABLED=0: a static binary that runs on the empty base image below.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
        -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
        -o /out/memory ./cmd/memory \
    && mkdir -p /out/data && chmod 0700 /out/data

# distroless/static: CA certificates (for an https embedding server), time
# zones, /etc/passwd with the nonroot user (65532), and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/memory /usr/local/bin/memory
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV MCP_MEMORY_BASE_DIR=/data \
    MCP_HTTP_HOST=0.0.0.0 \
    MCP_HTTP_PORT=8000 \
    MCP_MDNS_ENABLED=false
# Memories, backups (/data/backups), OAuth keys and uploads live here.
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/memory", "health", "-timeout", "4s"]
ENTRYPOINT ["/usr/local/bin/memory"]
CMD ["server", "--http"]
