FROM rust:1.89 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p pathwarden

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/pathwarden /usr/local/bin/pathwarden
EXPOSE 9193 9194
ENTRYPOINT ["pathwarden"]
CMD ["serve"]
