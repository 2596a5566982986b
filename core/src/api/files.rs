//! File and snapshot metadata (the data itself lives in S3, outside this protocol).

use crate::client::Client;
use crate::error::Result;
use crate::messages::{self, List};
use crate::resources::{File, FileData, Label, Snapshot};

impl Client {
    /// Adds a file's metadata; the server fills in its ID.
    pub async fn add_file(&self, file: &File) -> Result<File> {
        self.call(&messages::AddFile { file: file.clone() }).await
    }

    /// A file's revisions, by ID.
    pub async fn get_file(&self, colonyname: &str, fileid: &str) -> Result<Vec<File>> {
        let message = messages::GetFile {
            colonyname: colonyname.into(),
            fileid: fileid.into(),
            label: String::new(),
            name: String::new(),
            latest: false,
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// The latest revision of each file under a label.
    /// A file's revisions, by label and name; with `latest`, only the newest one.
    pub async fn get_file_by_name(
        &self,
        colonyname: &str,
        label: &str,
        name: &str,
        latest: bool,
    ) -> Result<Vec<File>> {
        let message = messages::GetFile {
            colonyname: colonyname.into(),
            fileid: String::new(),
            label: label.into(),
            name: name.into(),
            latest,
        };
        self.call(&message).await.map(|List(v)| v)
    }

    pub async fn get_files(&self, colonyname: &str, label: &str) -> Result<Vec<FileData>> {
        let message = messages::GetFiles {
            colonyname: colonyname.into(),
            label: label.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// The labels of a colony whose names start with `name` (all with `""`), or equal it with
    /// `exact`.
    pub async fn get_file_labels(
        &self,
        colonyname: &str,
        name: &str,
        exact: bool,
    ) -> Result<Vec<Label>> {
        let message = messages::GetFileLabels {
            colonyname: colonyname.into(),
            name: name.into(),
            exact,
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a file's metadata, by ID.
    pub async fn remove_file(&self, colonyname: &str, fileid: &str) -> Result<()> {
        let message = messages::RemoveFile {
            colonyname: colonyname.into(),
            fileid: fileid.into(),
            label: String::new(),
            name: String::new(),
        };
        self.call(&message).await.map(drop)
    }

    /// Freezes the files under a label as a named snapshot.
    pub async fn create_snapshot(
        &self,
        colonyname: &str,
        label: &str,
        name: &str,
    ) -> Result<Snapshot> {
        let message = messages::CreateSnapshot {
            colonyname: colonyname.into(),
            label: label.into(),
            name: name.into(),
        };
        self.call(&message).await
    }

    /// A snapshot, by name.
    pub async fn get_snapshot(&self, colonyname: &str, name: &str) -> Result<Snapshot> {
        let message = messages::GetSnapshot {
            colonyname: colonyname.into(),
            snapshotid: String::new(),
            name: name.into(),
        };
        self.call(&message).await
    }

    /// The snapshots of a colony.
    pub async fn get_snapshots(&self, colonyname: &str) -> Result<Vec<Snapshot>> {
        let message = messages::GetSnapshots {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a snapshot, by name.
    pub async fn remove_snapshot(&self, colonyname: &str, name: &str) -> Result<()> {
        let message = messages::RemoveSnapshot {
            colonyname: colonyname.into(),
            snapshotid: String::new(),
            name: name.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Removes every snapshot of a colony.
    pub async fn remove_all_snapshots(&self, colonyname: &str) -> Result<()> {
        let message = messages::RemoveAllSnapshots {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(drop)
    }
}
