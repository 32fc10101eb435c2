// SPDX-License-Identifier: GPL-2.0

//! The OCI `createRuntime` hook: which container ID, which process.
//!
//! The runtime passes the container's state as JSON on the hook's standard
//! input (runtime-spec, "State"): `ociVersion`, `id`, `status`, `pid`,
//! `bundle`, `annotations`. The container ID is, first match wins:
//!
//! 1. the annotation [`ANNOTATION`], in any form the kernel accepts;
//! 2. the OCI id, when it is a canonical UUID (and not nil);
//! 3. its first 32 hex digits, when it is 64 hex digits (the IDs of
//!    Docker, Podman, containerd and CRI-O) and they are not all zero;
//! 4. otherwise the first 16 bytes of SHA-256 of the OCI id, big-endian;
//!    should those be all zero, the last 16 bytes of the same digest
//!    (never both zero for any string anyone will find).
//!
//! A malformed annotation is an error, not a reason to fall back: the
//! operator asked for that ID.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::id::{self, ContainerId, UUID_LEN};
use crate::ids;

/// The annotation that names the container ID explicitly.
pub const ANNOTATION: &str = "org.linux.audit.containerid";

/// Longest state JSON the hook reads; a real one is well under 64 KiB.
pub const MAX_STATE: u64 = 1 << 20;

/// The OCI runtime state, as far as the hook needs it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// The runtime-spec version.
    #[serde(default)]
    pub oci_version: Option<String>,
    /// The container's OCI id.
    #[serde(default)]
    pub id: Option<String>,
    /// `creating` at the createRuntime stage.
    #[serde(default)]
    pub status: Option<String>,
    /// The container's process, in the runtime's pid namespace.
    #[serde(default)]
    pub pid: Option<i64>,
    /// The bundle directory.
    #[serde(default)]
    pub bundle: Option<String>,
    /// The config's annotations.
    #[serde(default)]
    pub annotations: Option<HashMap<String, String>>,
}

/// Where a container ID came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The [`ANNOTATION`] annotation.
    Annotation,
    /// The OCI id, a UUID.
    Uuid,
    /// The first half of a 64-hex-digit OCI id.
    Hex64,
    /// SHA-256 of the OCI id.
    Sha256,
}

/// What the hook is to do: register `pid` in `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The container's process.
    pub pid: i32,
    /// Its container ID.
    pub id: ContainerId,
    /// Where the ID came from.
    pub source: Source,
}

fn is_uuid_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == UUID_LEN
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The ID derived from SHA-256 of `oci_id` (rule 4 above).
pub fn sha256_id(oci_id: &str) -> ContainerId {
    let digest = Sha256::digest(oci_id.as_bytes());
    let (first, last) = digest.split_at(16);
    let half = |h: &[u8]| {
        <[u8; 16]>::try_from(h)
            .ok()
            .and_then(ContainerId::from_be_bytes)
    };
    // Both halves zero would take a SHA-256 preimage of zero bits: treat it
    // as impossible, but do not panic on it either.
    half(first)
        .or_else(|| half(last))
        .unwrap_or_else(|| ContainerId::new(u128::MAX).unwrap_or_else(|| unreachable!()))
}

/// The container ID for an OCI container with id `oci_id` and annotations
/// `annotations`, and where it came from.
pub fn derive_id(
    oci_id: Option<&str>,
    annotations: &HashMap<String, String>,
) -> Result<(ContainerId, Source)> {
    if let Some(text) = annotations.get(ANNOTATION) {
        let id = ids::parse_id(text).map_err(|e| anyhow!("annotation {ANNOTATION}: {e}"))?;
        return Ok((id, Source::Annotation));
    }
    let Some(oci_id) = oci_id else {
        bail!("the OCI state has no \"id\" and no {ANNOTATION} annotation: give the container an ID with that annotation");
    };
    if is_uuid_shaped(oci_id) {
        if let Ok(id) = id::parse(oci_id.as_bytes()) {
            return Ok((id, Source::Uuid));
        }
    }
    if oci_id.len() == 64 && oci_id.bytes().all(|c| c.is_ascii_hexdigit()) {
        if let Ok(id) = id::parse(format!("0x{}", &oci_id[..32]).as_bytes()) {
            return Ok((id, Source::Hex64));
        }
    }
    Ok((sha256_id(oci_id), Source::Sha256))
}

/// Reads the OCI state from `input` and decides what to register.
pub fn plan(input: &[u8]) -> Result<Plan> {
    let state: State = serde_json::from_slice(input).map_err(|e| {
        anyhow!("cannot read the OCI state JSON on standard input ({e}): run contid oci-hook as an OCI hook, which gets the state from the runtime")
    })?;
    let Some(pid) = state.pid else {
        bail!("the OCI state has no \"pid\": run contid oci-hook at the createRuntime stage, when the container's process exists");
    };
    let pid = i32::try_from(pid)
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| anyhow!("the OCI state's \"pid\" {pid} is not a process ID: check the runtime's hook configuration"))?;
    let annotations = state.annotations.unwrap_or_default();
    let (id, source) = derive_id(state.id.as_deref(), &annotations)?;
    Ok(Plan { pid, id, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uuid(id: ContainerId) -> String {
        ids::uuid_string(id)
    }

    fn derive(oci_id: &str, ann: &[(&str, &str)]) -> Result<(String, Source)> {
        let ann = ann
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        derive_id(Some(oci_id), &ann).map(|(id, s)| (uuid(id), s))
    }

    #[test]
    fn annotation_wins_in_every_kernel_form() {
        let want = "00000000-0000-0000-0000-000000001092".to_owned();
        for form in [
            "4242",
            "0x1092",
            "0X1092",
            "00000000-0000-0000-0000-000000001092",
            "4242\n",
        ] {
            let got = derive("web", &[(ANNOTATION, form)]);
            if form == "0X1092" {
                // The kernel wants a lowercase 0x prefix: so does the hook.
                assert!(got.is_err());
                continue;
            }
            assert_eq!(got.ok(), Some((want.clone(), Source::Annotation)), "{form}");
        }
        let upper = derive(
            "web",
            &[(ANNOTATION, "7D9C5B1E-2F4A-4C3B-9E8D-00000000000A")],
        );
        assert_eq!(
            upper.ok(),
            Some((
                "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a".to_owned(),
                Source::Annotation
            ))
        );
    }

    #[test]
    fn malformed_or_nil_annotation_fails_instead_of_falling_back() {
        for bad in ["", "0", "web", " 1", "0x", "1\n\n"] {
            let e = derive("7d9c5b1e-2f4a-4c3b-9e8d-00000000000a", &[(ANNOTATION, bad)])
                .expect_err(bad);
            assert!(
                e.to_string()
                    .starts_with("annotation org.linux.audit.containerid: "),
                "{e}"
            );
        }
    }

    #[test]
    fn other_annotations_are_ignored() {
        let got = derive(
            "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a",
            &[("io.kubernetes.pod.name", "x")],
        );
        assert_eq!(got.ok().map(|g| g.1), Some(Source::Uuid));
    }

    #[test]
    fn uuid_ids_are_taken_as_they_are() {
        assert_eq!(
            derive("7D9C5B1E-2f4a-4c3b-9e8d-00000000000a", &[]).ok(),
            Some((
                "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a".to_owned(),
                Source::Uuid
            ))
        );
    }

    #[test]
    fn docker_ids_give_their_first_32_hex_digits() {
        let docker = "4c01db0b339c4ad8e0d1b3a4b8a4e5c6f0123456789abcdef0123456789abcde";
        assert_eq!(
            derive(docker, &[]).ok(),
            Some((
                "4c01db0b-339c-4ad8-e0d1-b3a4b8a4e5c6".to_owned(),
                Source::Hex64
            ))
        );
        let upper = docker.to_uppercase();
        assert_eq!(derive(&upper, &[]).ok().map(|g| g.1), Some(Source::Hex64));
    }

    #[test]
    fn other_ids_are_hashed() {
        // Computed independently of this crate with coreutils:
        //   $ printf %s my-container | sha256sum
        //   f907e278af7c63d535c4c440b720247f8c2dca219ffc8167dd3865b16004319e  -
        // first 16 bytes (32 hex digits), dashes inserted by hand.
        assert_eq!(
            derive("my-container", &[]).ok(),
            Some((
                "f907e278-af7c-63d5-35c4-c440b720247f".to_owned(),
                Source::Sha256
            ))
        );
        // $ printf %s web | sha256sum
        // 4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2  -
        // (the example in docs/contid.md)
        assert_eq!(
            derive("web", &[]).ok(),
            Some((
                "4b5e57f6-eb2f-42b9-039b-3d1e13929295".to_owned(),
                Source::Sha256
            ))
        );
    }

    #[test]
    fn ids_that_only_look_like_the_other_forms_are_hashed() {
        // Expected values computed independently of this crate, for each id:
        //   $ h=$(printf %s "$id" | sha256sum | cut -c1-32)
        //   $ echo ${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}
        // and checked with Python:
        //   uuid.UUID(bytes=hashlib.sha256(id.encode()).digest()[:16])
        // (docs/contid.md, rule 4: the first 16 bytes of SHA-256 of the id).
        let a63 = "a".repeat(63);
        let a65 = "a".repeat(65);
        for (id, want) in [
            // Decimal: the kernel would take it, but it is no UUID.
            ("4242", "0315b402-0af3-ecca-b770-6679580ac87a"),
            // A nil UUID is no container ID.
            (
                "00000000-0000-0000-0000-000000000000",
                "12b9377c-be7e-5c94-e8a7-0d9d23929523",
            ),
            // 64 hex digits whose first half is zero.
            (
                "00000000000000000000000000000000ffffffffffffffffffffffffffffffff",
                "b05253e8-71a3-972d-3e40-da7abdb1d725",
            ),
            // 63 and 65 hex digits.
            (a63.as_str(), "7d3e74a0-5d7d-b15b-ce4a-d9ec0658ea98"),
            (a65.as_str(), "635361c4-8bb9-eab1-4198-e76ea8ab7f1a"),
            // A UUID with a non-hex digit.
            (
                "7d9c5b1e-2f4a-4c3b-9e8d-00000000000g",
                "757c4810-2281-c493-298a-78183bfa1a1e",
            ),
        ] {
            let (got, source) = derive(id, &[]).expect(id);
            assert_eq!(source, Source::Sha256, "{id}");
            assert_eq!(got, want, "{id}");
        }
    }

    #[test]
    fn hook_input_is_read_from_the_oci_state() {
        let state = br#"{"ociVersion":"1.2.0","id":"7d9c5b1e-2f4a-4c3b-9e8d-00000000000a","status":"creating","pid":4242,"bundle":"/run/b","annotations":{"a":"b"}}"#;
        let p = plan(state).expect("valid state");
        assert_eq!(p.pid, 4242);
        assert_eq!(p.source, Source::Uuid);
        assert_eq!(uuid(p.id), "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a");

        let ann = br#"{"ociVersion":"1.0.2","id":"web","status":"creating","pid":7,"bundle":"/b","annotations":{"org.linux.audit.containerid":"0x2a"}}"#;
        let p = plan(ann).expect("valid state");
        assert_eq!((p.pid, p.source), (7, Source::Annotation));
        assert_eq!(uuid(p.id), "00000000-0000-0000-0000-00000000002a");

        // No annotations at all, or null: fine.
        let bare = br#"{"ociVersion":"1.0.2","id":"web","status":"creating","pid":7,"bundle":"/b","annotations":null}"#;
        assert_eq!(plan(bare).expect("valid").source, Source::Sha256);
    }

    #[test]
    fn bad_hook_input_gives_one_line_with_what_to_do() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "run contid oci-hook as an OCI hook"),
            (b"{not json", "run contid oci-hook as an OCI hook"),
            (b"[1,2]", "run contid oci-hook as an OCI hook"),
            (
                br#"{"id":"web","pid":"12"}"#,
                "run contid oci-hook as an OCI hook",
            ),
            (
                br#"{"id":"web","annotations":{"x":1},"pid":1}"#,
                "run contid oci-hook as an OCI hook",
            ),
            (
                br#"{"ociVersion":"1.0.2","id":"web","status":"created","bundle":"/b"}"#,
                "has no \"pid\": run contid oci-hook at the createRuntime stage",
            ),
            (br#"{"id":"web","pid":0}"#, "is not a process ID"),
            (br#"{"id":"web","pid":-5}"#, "is not a process ID"),
            (br#"{"id":"web","pid":4294967296}"#, "is not a process ID"),
            (
                br#"{"pid":12}"#,
                "has no \"id\" and no org.linux.audit.containerid annotation",
            ),
            (
                br#"{"id":"web","pid":12,"annotations":{"org.linux.audit.containerid":"0"}}"#,
                "is nil",
            ),
        ];
        for &(input, want) in cases {
            let e = plan(input).expect_err(want).to_string();
            assert!(e.contains(want), "{}: {e}", String::from_utf8_lossy(input));
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }
}
