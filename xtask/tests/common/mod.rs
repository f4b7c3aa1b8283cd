//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use xtask::yaml::{self, Value};

/// A path in the repository (tests never read outside it).
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

pub fn parse(text: &str) -> Value {
    yaml::parse(text, "test input").expect("test YAML parses")
}

/// Keys of the mapping at a `/`-separated path, in order.
pub fn keys_at(doc: &Value, path: &[&str]) -> Vec<String> {
    let mut node = doc;
    for p in path {
        node = yaml::get(node, p).unwrap_or_else(|| panic!("no {p} in {path:?}"));
    }
    node.as_mapping()
        .expect("a mapping")
        .keys()
        .map(yaml::key_text)
        .collect()
}

/// A fresh, empty scratch directory under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A small synthetic upstream spec exercising refs, unused components, tags and renames.
pub const SYNTHETIC: &str = r##"
openapi: 3.0.1
info:
  title: Synthetic
  version: "2.0"
  x-xgen-sha: abc123
servers:
  - url: https://example.test
security:
  - DigestAuth: []
tags:
  - name: Unused
    description: nobody uses this tag
  - name: Snapshots
    description: used
components:
  headers:
    RateLimit:
      schema:
        type: integer
    UnusedHeader:
      schema:
        type: string
  parameters:
    groupId:
      in: path
      name: groupId
      required: true
      schema:
        $ref: '#/components/schemas/GroupId'
    unusedParam:
      in: query
      name: unused
      schema:
        type: string
  responses:
    notFound:
      description: Not Found.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ApiError'
      headers:
        RateLimit:
          $ref: '#/components/headers/RateLimit'
  schemas:
    ApiError:
      type: object
      properties:
        detail:
          type: string
    GroupId:
      type: string
      pattern: ^([a-f0-9]{24})$
    Unused:
      type: object
      properties:
        self:
          $ref: '#/components/schemas/Unused'
    Snapshot:
      type: object
      properties:
        id:
          type: string
        links:
          type: array
          items:
            $ref: '#/components/schemas/Link'
        parent:
          $ref: '#/components/schemas/Snapshot'
    Link:
      type: object
      properties:
        href:
          type: string
    OtherOnly:
      type: string
  securitySchemes:
    DigestAuth:
      type: http
      scheme: digest
    ServiceAccounts:
      type: oauth2
      flows: {}
paths:
  /groups/{groupId}/other:
    get:
      operationId: notWanted
      tags: [Unused]
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/OtherOnly'
  /groups/{groupId}/snapshots/{id}:
    parameters:
      - $ref: '#/components/parameters/groupId'
    get:
      operationId: getSnapshotOld
      tags: [Snapshots]
      responses:
        "200":
          description: OK
          content:
            application/vnd.atlas.2023-01-01+json:
              schema:
                $ref: '#/components/schemas/Snapshot'
        "404":
          $ref: '#/components/responses/notFound'
    delete:
      operationId: deleteSnapshot
      tags: [Unused]
      responses:
        "204":
          description: gone
x-topics:
  - title: Topic
x-externalLinks:
  - label: Link
x-unrelated: dropped
"##;
