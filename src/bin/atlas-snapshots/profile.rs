//! Where the CLI's settings come from: flags, then the environment, then a profile of
//! the Atlas CLI's `config.toml` (read, never written), as the Atlas CLI ranks them.
//!
//! Settings are taken a group at a time: a credential variable in the environment
//! means the profile's credentials are not used at all (an API key from one place and
//! its private half from another would be a mistake, not a setting); likewise the base
//! URL. The file is found as the Atlas CLI finds it (Go's `os.UserConfigDir`):
//! `$XDG_CONFIG_HOME/atlascli/config.toml` (if absolute), else
//! `$HOME/.config/atlascli/config.toml`; on macOS `$HOME/Library/Application
//! Support/atlascli`, on Windows `%AppData%\atlascli`. Profile names and keys match
//! without regard to case, as in the Atlas CLI. Messages name the file, the profile and
//! the key, never a value.

use std::{
    ffi::OsString,
    fs::File,
    io::Read,
    path::{Path, PathBuf},
};

use atlas_snapshots::{Error, env};

use crate::output::{Format, escape};

/// The project (group) id when `--group-id` is not given: the Atlas CLI's name.
pub const PROJECT_ID: &str = "MONGODB_ATLAS_PROJECT_ID";
/// Set to a true value (`1`, `true`), the same as `--no-token-cache`.
pub const NO_TOKEN_CACHE: &str = "ATLAS_SNAPSHOTS_NO_TOKEN_CACHE";

const DEFAULT_PROFILE: &str = "default";
/// Where Atlas for Government is, for `service = "cloudgov"` (the Atlas CLI's URL).
const CLOUD_GOV_URL: &str = "https://cloud.mongodbgov.com";
/// A config.toml is a few hundred bytes; a larger file is not one.
const MAX_FILE: u64 = 1024 * 1024;

/// Settings that come from one source as a whole.
#[derive(Clone, Copy, PartialEq)]
enum Group {
    Url,
    Credentials,
}

impl Group {
    /// The environment variables of the group, each with the profile keys standing in
    /// for it (`base_url` is the Atlas CLI's alias of `ops_manager_url`).
    fn vars(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Group::Url => &[
                (env::OPS_MANAGER_URL, &["ops_manager_url", "base_url"]),
                (env::BASE_URL, &[]),
            ],
            Group::Credentials => &[
                (env::CLIENT_ID, &["client_id"]),
                (env::CLIENT_SECRET, &["client_secret"]),
                (env::PUBLIC_API_KEY, &["public_api_key"]),
                (env::PRIVATE_API_KEY, &["private_api_key"]),
                (env::ACCESS_TOKEN, &["access_token"]),
            ],
        }
    }

    fn of(var: &str) -> Option<Group> {
        [Group::Url, Group::Credentials]
            .into_iter()
            .find(|group| group.vars().iter().any(|(v, _)| *v == var))
    }
}

/// The Atlas CLI's `auth_type` values, each with the keys it uses.
const AUTH_TYPES: &[(&str, &[&str])] = &[
    ("service_account", &["client_id", "client_secret"]),
    ("api_keys", &["public_api_key", "private_api_key"]),
    ("user_account", &["access_token"]),
    ("no_auth", &[]),
];
/// The keys this tool reads from a profile; any other is the Atlas CLI's own business.
const KEYS: &[&str] = &[
    "client_id",
    "client_secret",
    "public_api_key",
    "private_api_key",
    "access_token",
    "ops_manager_url",
    "base_url",
    "project_id",
    "output",
    "service",
    "auth_type",
];

/// Every source of settings but the flags, which `main` applies itself.
pub struct Sources<E> {
    env: E,
    profile: Profile,
}

/// The values of one profile, as read (empty strings count as unset, as in the
/// Atlas CLI).
#[derive(Default)]
struct Profile {
    values: Vec<(&'static str, String)>,
}

impl Profile {
    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl<E: Fn(&str) -> Option<OsString>> Sources<E> {
    /// Reads the profile `name` (or `default`, which may be missing) of the config file
    /// found through `env`. Warnings (a file others can read, credentials it does not
    /// hold) go to `warn`.
    pub fn new(env: E, name: Option<&str>, warn: impl Fn(&str)) -> Result<Self, Error> {
        let profile = match config_file(&env) {
            Some(file) => read_profile(&file, name, &warn)?,
            None => match name {
                Some(name) => {
                    return Err(Error::Config(format!(
                        "profile {name:?}: no configuration directory (set HOME or XDG_CONFIG_HOME)"
                    )));
                }
                None => Profile::default(),
            },
        };
        let sources = Sources { env, profile };
        if let Some(kind) = sources.profile.get("auth_type")
            && !sources.env_sets(Group::Credentials)
            && !Group::Credentials
                .vars()
                .iter()
                .any(|(var, _)| sources.profile_value(var).is_some())
            && kind != "no_auth"
        {
            warn(&format!(
                "warning: the profile's auth_type is {kind:?} but it holds no credentials (the Atlas CLI may keep them in the system keyring, which this tool does not read); set them in the environment"
            ));
        }
        Ok(sources)
    }

    /// The value of environment variable `name`, or what the profile gives in its
    /// place when the environment sets nothing of its group. For
    /// `Client::builder_from`; `url_flag` hides the base URL of both (the flag wins).
    pub fn lookup(&self, name: &str, url_flag: bool) -> Option<OsString> {
        match Group::of(name) {
            Some(Group::Url) if url_flag => None,
            Some(group) if !self.env_sets(group) => self.profile_value(name).map(OsString::from),
            _ => (self.env)(name),
        }
    }

    /// The project (group) id: `flag`, else `MONGODB_ATLAS_PROJECT_ID`, else the
    /// profile's `project_id`. None of them is an error naming all three.
    pub fn group_id(&self, flag: Option<&str>) -> Result<String, Error> {
        if let Some(group) = flag {
            return Ok(group.to_owned());
        }
        match (self.env)(PROJECT_ID).map(OsString::into_string) {
            Some(Ok(group)) if !group.is_empty() => return Ok(group),
            Some(Ok(_)) => {
                return Err(Error::Config(format!(
                    "{PROJECT_ID} is set but empty; unset it or give it a value"
                )));
            }
            Some(Err(_)) => {
                return Err(Error::Config(format!(
                    "{PROJECT_ID} is set but is not UTF-8"
                )));
            }
            None => {}
        }
        self.profile.get("project_id").map(str::to_owned).ok_or_else(|| {
            Error::Config(format!(
                "no project: give --group-id, set {PROJECT_ID}, or set project_id in the Atlas CLI profile"
            ))
        })
    }

    /// The profile's `output` when `--output` is not given: the Atlas CLI's `json`, or
    /// `plaintext` (its columns) as a table. Its other formats (`json-path`,
    /// `go-template`) are not this tool's: `warn` says so, and the default stays.
    pub fn output(&self, warn: impl Fn(&str)) -> Option<Format> {
        match self.profile.get("output")? {
            "json" => Some(Format::Json),
            "plaintext" => Some(Format::Table),
            other => {
                let format = other.split('=').next().unwrap_or(other);
                warn(&format!(
                    "warning: the profile's output {:?} is not one this tool writes (json, plaintext); writing json",
                    escape(format)
                ));
                None
            }
        }
    }

    fn env_sets(&self, group: Group) -> bool {
        group
            .vars()
            .iter()
            .any(|(var, _)| (self.env)(var).is_some())
    }

    fn profile_value(&self, var: &str) -> Option<String> {
        let group = Group::of(var)?;
        let keys = group.vars().iter().find(|(v, _)| *v == var)?.1;
        // auth_type picks the credentials; an auth_type this tool does not know
        // restricts nothing.
        let chosen = match self.profile.get("auth_type") {
            Some(kind) if group == Group::Credentials => AUTH_TYPES
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, keys)| *keys),
            _ => None,
        };
        let value = keys
            .iter()
            .filter(|key| chosen.is_none_or(|chosen| chosen.contains(key)))
            .find_map(|key| self.profile.get(key));
        match value {
            Some(value) => Some(value.to_owned()),
            None if var == env::OPS_MANAGER_URL
                && self.profile.get("service") == Some("cloudgov") =>
            {
                Some(CLOUD_GOV_URL.to_owned())
            }
            None => None,
        }
    }
}

/// The Atlas CLI's `config.toml`, by Go's `os.UserConfigDir` rules (a relative
/// `XDG_CONFIG_HOME` is ignored, as the XDG spec says, where Go fails).
fn config_file(env: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| {
        env(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let dir = if cfg!(windows) {
        var("APPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| home.join("Library").join("Application Support"))
    } else {
        var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|home| home.join(".config")))
    };
    dir.map(|dir| dir.join("atlascli").join("config.toml"))
}

fn read_profile(file: &Path, name: Option<&str>, warn: &impl Fn(&str)) -> Result<Profile, Error> {
    let shown = file.display();
    let bad = |what: String| Error::Config(format!("{shown}: {what}"));
    let opened = match File::open(file) {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match name {
                Some(name) => Err(bad(format!("no such file, so no profile {name:?}"))),
                None => Ok(Profile::default()),
            };
        }
        Err(e) => return Err(bad(format!("cannot be read: {e}"))),
    };
    warn_if_shared(file, &opened, warn);
    let mut bytes = Vec::new();
    opened
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(bad(format!(
            "is over {MAX_FILE} bytes, not an Atlas CLI config"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| bad("is not UTF-8".into()))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        // Only where and what: toml's own Display quotes the line, secret and all.
        let at = e.span().map_or(0, |span| span.start);
        let line = text[..at.min(text.len())].matches('\n').count() + 1;
        bad(format!(
            "is not valid TOML (line {line}): {}",
            first_line(e.message())
        ))
    })?;
    let wanted = name.unwrap_or(DEFAULT_PROFILE);
    let mut found = table
        .iter()
        .filter(|(key, value)| value.is_table() && key.eq_ignore_ascii_case(wanted));
    let (profile_name, section) = match (found.next(), found.next()) {
        (Some(one), None) => one,
        (Some(_), Some(_)) => {
            return Err(bad(format!(
                "has more than one profile named {wanted:?} (in some case)"
            )));
        }
        (None, _) if name.is_none() => return Ok(Profile::default()),
        (None, _) => {
            let mut names: Vec<&str> = table
                .iter()
                .filter(|(_, value)| value.is_table())
                .map(|(key, _)| key.as_str())
                .collect();
            names.sort_unstable();
            return Err(bad(format!(
                "has no profile {wanted:?} (profiles: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        }
    };
    let mut profile = Profile::default();
    let own = section.as_table().into_iter().flatten();
    // `service` may also be global, and the global one wins (as in the Atlas CLI).
    let global_service = table
        .iter()
        .filter(|(key, value)| !value.is_table() && key.eq_ignore_ascii_case("service"));
    let entries = own
        .map(|(key, value)| (true, key, value))
        .chain(global_service.map(|(key, value)| (false, key, value)));
    for (in_profile, key, value) in entries {
        let Some(known) = KEYS.iter().find(|k| key.eq_ignore_ascii_case(k)) else {
            continue;
        };
        let place = if in_profile {
            format!("profile [{profile_name}] key {known}")
        } else {
            format!("key {known}")
        };
        let text = value
            .as_str()
            .ok_or_else(|| bad(format!("{place} must be a string")))?;
        if text.chars().any(char::is_control) {
            return Err(bad(format!(
                "{place} holds a control character (such as CR or LF)"
            )));
        }
        if text.is_empty() {
            continue;
        }
        profile.values.retain(|(k, _)| k != known);
        profile.values.push((known, text.to_owned()));
    }
    for (a, b) in [
        ("client_id", "client_secret"),
        ("public_api_key", "private_api_key"),
    ] {
        match (profile.get(a), profile.get(b)) {
            (Some(_), None) => {
                return Err(bad(format!("profile [{profile_name}] has {a} but no {b}")));
            }
            (None, Some(_)) => {
                return Err(bad(format!("profile [{profile_name}] has {b} but no {a}")));
            }
            _ => {}
        }
    }
    Ok(profile)
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("").trim()
}

/// A config file with secrets in it should be the user's alone (the Atlas CLI writes
/// it with mode 0600).
fn warn_if_shared(file: &Path, opened: &File, warn: &impl Fn(&str)) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = opened.metadata() {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                warn(&format!(
                    "warning: {} can be read by other users (mode {mode:03o}); run chmod 600 on it",
                    file.display()
                ));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (file, opened, warn);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config file of `text` under a fresh directory, and an environment whose
    /// `XDG_CONFIG_HOME` points there, plus `vars`.
    fn sources(
        name: &str,
        text: &str,
        vars: &[(&'static str, &'static str)],
    ) -> Sources<impl Fn(&str) -> Option<OsString>> {
        let dir = std::env::temp_dir().join(format!(
            "atlas-snapshots-profile-{name}-{}",
            std::process::id()
        ));
        let file = dir.join("atlascli").join("config.toml");
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("create dirs");
        std::fs::write(&file, text).expect("write the config");
        let vars = vars.to_vec();
        let env = move |var: &str| match var {
            "XDG_CONFIG_HOME" => Some(dir.clone().into_os_string()),
            _ => vars
                .iter()
                .find(|(k, _)| *k == var)
                .map(|(_, v)| OsString::from(v)),
        };
        let read = Sources::new(env, None, |_| {}).expect("the profile reads");
        // Read once and for all: the file is not needed any more.
        let _ = std::fs::remove_dir_all(file.parent().and_then(Path::parent).expect("the dir"));
        read
    }

    fn url<E: Fn(&str) -> Option<OsString>>(sources: &Sources<E>) -> Option<OsString> {
        sources.lookup(env::OPS_MANAGER_URL, false)
    }

    #[test]
    fn cloudgov_means_atlas_for_government_unless_a_url_is_given() {
        let gov = sources("gov", "[default]\nservice = \"cloudgov\"\n", &[]);
        assert_eq!(url(&gov), Some(CLOUD_GOV_URL.into()));
        let global = sources("global", "service = \"cloudgov\"\n[default]\n", &[]);
        assert_eq!(url(&global), Some(CLOUD_GOV_URL.into()));
        let own = sources(
            "own",
            "[default]\nservice = \"cloudgov\"\nbase_url = \"https://om.example\"\n",
            &[],
        );
        assert_eq!(url(&own), Some("https://om.example".into()));
        let by_env = sources(
            "env",
            "[default]\nservice = \"cloudgov\"\n",
            &[(env::BASE_URL, "https://tf.example")],
        );
        assert_eq!(
            url(&by_env),
            None,
            "the environment's own variable holds it"
        );
        assert_eq!(
            by_env.lookup(env::BASE_URL, false),
            Some("https://tf.example".into())
        );
        assert_eq!(by_env.lookup(env::BASE_URL, true), None, "the flag wins");
    }

    #[test]
    fn the_config_file_is_where_the_atlas_cli_keeps_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let xdg = config_file(&env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]));
        let relative = config_file(&env(&[("XDG_CONFIG_HOME", "x"), ("HOME", "/h")]));
        if cfg!(target_os = "macos") {
            assert_eq!(
                xdg,
                Some("/h/Library/Application Support/atlascli/config.toml".into())
            );
        } else if !cfg!(windows) {
            assert_eq!(xdg, Some("/x/atlascli/config.toml".into()));
            assert_eq!(relative, Some("/h/.config/atlascli/config.toml".into()));
        }
        assert_eq!(config_file(&env(&[])), None);
    }
}
