//! Headless Chromium for the browser tests, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`; `scripts/test-services.sh` installs them). Each [`Browser`] is its own
//! chromedriver and its own profile: a fresh context with no cookies. A missing driver fails
//! the test loudly.
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{
    Actions, InputSource, MouseActions, PointerAction, TouchActions, WheelAction, WheelActions, MOUSE_BUTTON_LEFT,
    MOUSE_BUTTON_RIGHT,
};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

pub struct Browser {
    pub client: Client,
    driver: Child,
    port: u16,
    artifacts: PathBuf,
    shots: usize,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn chromium() -> String {
    std::env::var("FERRUM_TEST_CHROMIUM").unwrap_or_else(|_| {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("no Chromium found: install Debian's chromium and chromium-driver (scripts/test-services.sh does)")
            .to_owned()
    })
}

impl Browser {
    /// A new desktop browser (1280×900) whose screenshots go to
    /// `<target>/tmp/browser-artifacts/<test>/`.
    pub async fn launch(test: &str) -> Browser {
        Self::launch_with(test, json!({})).await
    }

    /// A phone: 390×844 CSS pixels at 3× density, with touch input.
    pub async fn launch_phone(test: &str) -> Browser {
        let phone = json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
                            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile" });
        Self::launch_with(test, json!({ "mobileEmulation": phone })).await
    }

    /// A desktop browser that saves downloads in `dir` without asking.
    pub async fn launch_downloading(test: &str, dir: &std::path::Path) -> Browser {
        let prefs = json!({ "download.default_directory": dir.to_string_lossy(),
                            "download.prompt_for_download": false });
        Self::launch_with(test, json!({ "prefs": prefs })).await
    }

    async fn launch_with(test: &str, extra: Value) -> Browser {
        let port = free_port();
        let driver_bin = std::env::var("FERRUM_TEST_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            // Its own process group, so that the browsers it starts go down with it.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_bin} ({e}): install Debian's chromium-driver"));
        let caps = json!({
            "browserName": "chrome",
            "unhandledPromptBehavior": "accept",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--no-first-run", "--disable-extensions"],
            },
        });
        let mut caps = caps.as_object().unwrap().clone();
        for (k, v) in extra.as_object().unwrap() {
            caps["goog:chromeOptions"][k] = v.clone();
        }
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("no WebDriver session from {driver_bin}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts").join(test);
        std::fs::create_dir_all(&artifacts).unwrap();
        Browser { client, driver, port, artifacts, shots: 0 }
    }

    /// Saves a screenshot as a test artifact, numbered in the order taken.
    pub async fn screenshot(&mut self, name: &str) {
        self.shots += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(self.artifacts.join(format!("{:02}-{name}.png", self.shots)), png).unwrap();
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `script` returns something truthy; answers it.
    pub async fn until(&mut self, what: &str, script: &str, args: Vec<Value>) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.js(script, args.clone()).await;
            let truthy = !matches!(&v, Value::Null | Value::Bool(false)) && v != json!(0) && v != json!("");
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("timeout-{}", what.replace(' ', "-"))).await;
                panic!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_for(&mut self, css: &str) -> fantoccini::elements::Element {
        self.until(css, "return document.querySelector(arguments[0]) !== null", vec![json!(css)]).await;
        self.client.find(Locator::Css(css)).await.unwrap()
    }

    pub async fn fill(&mut self, css: &str, text: &str) {
        let e = self.wait_for(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    pub async fn click(&mut self, css: &str) {
        self.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Drops files on an element as a user dragging them from the desktop would: the files
    /// go through a file input (the only way WebDriver hands a page real files), then into a
    /// DataTransfer carried by dragenter, dragover and drop events.
    pub async fn drop_files(&mut self, target_css: &str, paths: &[PathBuf]) {
        self.wait_for(target_css).await;
        self.js(
            "const i = document.createElement('input'); i.type = 'file'; i.multiple = true; \
             i.id = 'webdriver-drop'; document.body.append(i);",
            vec![],
        )
        .await;
        let input = self.client.find(Locator::Id("webdriver-drop")).await.unwrap();
        let list = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect::<Vec<_>>().join("\n");
        input.send_keys(&list).await.unwrap();
        self.js(
            "const input = document.getElementById('webdriver-drop'); const dt = new DataTransfer(); \
             for (const f of input.files) dt.items.add(f); \
             const zone = document.querySelector(arguments[0]); \
             for (const type of ['dragenter', 'dragover', 'drop']) \
               zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt })); \
             input.remove();",
            vec![json!(target_css)],
        )
        .await;
    }

    /// A one-finger swipe from the element's centre by (dx, dy) pixels, in steps.
    pub async fn swipe(&mut self, css: &str, dx: f64, dy: f64) {
        let element = self.wait_for(css).await;
        let mut finger = TouchActions::new("finger".into())
            .then(PointerAction::MoveToElement { element, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
        for _ in 0..6 {
            finger = finger.then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(30)),
                x: dx / 6.0,
                y: dy / 6.0,
            });
        }
        let finger = finger.then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client.perform_actions(finger).await.expect("swipe");
    }

    /// Two fingers moving apart from the element's centre: a pinch to zoom in.
    pub async fn pinch_out(&mut self, css: &str, by: f64) {
        let element = self.wait_for(css).await;
        let finger = |id: &str, sign: f64| {
            TouchActions::new(id.into())
                .then(PointerAction::MoveToElement { element: element.clone(), duration: None, x: 20.0 * sign, y: 0.0 })
                .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
                .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(200)), x: by * sign, y: 0.0 })
                .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
        };
        let both = Actions::from(finger("thumb", -1.0)).and(finger("index", 1.0));
        self.client.perform_actions(both).await.expect("pinch");
    }

    /// A right-button drag by (dx, dy) from the element's centre, as window/level is set.
    pub async fn right_drag(&mut self, css: &str, dx: f64, dy: f64) {
        let element = self.wait_for(css).await;
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement { element, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_RIGHT })
            .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(100)), x: dx / 2.0, y: dy / 2.0 })
            .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(100)), x: dx / 2.0, y: dy / 2.0 })
            .then(PointerAction::Up { button: MOUSE_BUTTON_RIGHT });
        self.client.perform_actions(mouse).await.expect("right drag");
    }

    /// A real mouse-wheel turn of `delta_y` pixels over the centre of the element.
    pub async fn wheel(&mut self, css: &str, delta_y: i64) {
        self.wait_for(css).await;
        let centre = self
            .js(
                "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                 return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
                vec![json!(css)],
            )
            .await;
        let (x, y) = (centre[0].as_i64().unwrap(), centre[1].as_i64().unwrap());
        let mut wheel = WheelActions::new("wheel".into());
        wheel.push(WheelAction::Scroll { duration: None, x, y, delta_x: 0, delta_y });
        self.client.perform_actions(wheel).await.expect("wheel");
    }

    /// A fingerprint of what a canvas shows (FNV-1a over its pixels), to tell frames apart.
    pub async fn canvas_hash(&self, css: &str) -> String {
        let v = self
            .js(
                "const c = document.querySelector(arguments[0]); \
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
                 let h = 0x811c9dc5; let lit = 0; \
                 for (let i = 0; i < d.length; i += 4) { \
                   h = Math.imul(h ^ d[i], 16777619) >>> 0; h = Math.imul(h ^ d[i + 1], 16777619) >>> 0; \
                   if (d[i] > 8) lit++; } \
                 return `${c.width}x${c.height}:${h.toString(16)}:${lit}`;",
                vec![json!(css)],
            )
            .await;
        let s = v.as_str().unwrap().to_owned();
        let lit: u64 = s.rsplit(':').next().unwrap().parse().unwrap();
        assert!(lit > 100, "the canvas is black: {s}");
        s
    }

    /// Sends a Chrome DevTools Protocol command (e.g. `Network.emulateNetworkConditions`)
    /// through chromedriver; answers its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let id = self.client.session_id().await.unwrap().expect("a WebDriver session");
        let url = format!("http://127.0.0.1:{}/session/{id}/chromium/send_command_and_get_result", self.port);
        let r = reqwest::Client::new().post(url).json(&json!({ "cmd": cmd, "params": params })).send().await;
        let body: Value = r.expect("chromedriver answers").json().await.expect("a JSON answer");
        assert!(body["value"].get("error").is_none(), "CDP {cmd}: {body}");
        body["value"].clone()
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.driver.wait();
    }
}
