//! The server, colonies, users, executors, functions, locations, and ID changes.

use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::messages::{self, List};
use crate::model::{Colony, Executor, ServerVersion, User};
use crate::resources::{Cluster, Function, Location, ServerInfo, Statistics};

impl Client {
    // --- Server -------------------------------------------------------------------------------

    /// The server's build version (an unsigned call: works without a key).
    pub async fn server_version(&self) -> Result<ServerVersion> {
        let message = messages::Version {
            buildversion: String::new(),
            buildtime: String::new(),
        };
        self.call_unsigned(&message).await
    }

    /// The server's build and endpoints (an unsigned call: works without a key).
    pub async fn server_info(&self) -> Result<ServerInfo> {
        self.call_unsigned(&messages::GetServerInfo {}).await
    }

    /// Counts over the whole server (signed by the server key).
    pub async fn get_statistics(&self) -> Result<Statistics> {
        self.call(&messages::GetStatistics {}).await
    }

    /// The servers of the cluster and its leader (signed by the server key).
    pub async fn get_cluster(&self) -> Result<Cluster> {
        self.call(&messages::GetCluster {}).await
    }

    /// Gives the server to another key (signed by the server key).
    pub async fn change_server_id(&self, serverid: &str) -> Result<()> {
        let message = messages::ChangeServerId {
            serverid: serverid.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Colonies -----------------------------------------------------------------------------

    /// Adds a colony owned by the key with ID `colonyid` (signed by the server key).
    pub async fn add_colony(&self, colonyid: &str, name: &str) -> Result<Colony> {
        let colony = Colony {
            colonyid: colonyid.into(),
            name: name.into(),
        };
        self.call(&messages::AddColony { colony }).await
    }

    /// Removes a colony (signed by the server key).
    pub async fn remove_colony(&self, colonyname: &str) -> Result<()> {
        let message = messages::RemoveColony {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// A colony, by name (signed by a member).
    pub async fn get_colony(&self, colonyname: &str) -> Result<Colony> {
        let message = messages::GetColony {
            colonyname: colonyname.into(),
        };
        self.call(&message).await
    }

    /// Every colony (signed by the server key).
    pub async fn get_colonies(&self) -> Result<Vec<Colony>> {
        self.call(&messages::GetColonies {}).await.map(|List(v)| v)
    }

    /// Counts of a colony's executors, processes and workflows (signed by a member).
    pub async fn get_colony_statistics(&self, colonyname: &str) -> Result<Statistics> {
        let message = messages::GetColonyStatistics {
            colonyname: colonyname.into(),
        };
        self.call(&message).await
    }

    /// Gives a colony to another key (signed by the colony key).
    pub async fn change_colony_id(&self, colonyname: &str, colonyid: &str) -> Result<()> {
        let message = messages::ChangeColonyId {
            colonyname: colonyname.into(),
            colonyid: colonyid.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Users --------------------------------------------------------------------------------

    /// Adds a user to a colony (signed by the colony key).
    pub async fn add_user(&self, user: &User) -> Result<User> {
        self.call(&messages::AddUser { user: user.clone() }).await
    }

    /// The users of a colony.
    pub async fn get_users(&self, colonyname: &str) -> Result<Vec<User>> {
        let message = messages::GetUsers {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a user (signed by the colony key).
    pub async fn remove_user(&self, colonyname: &str, name: &str) -> Result<()> {
        let message = messages::RemoveUser {
            colonyname: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// A user, by colony and name.
    pub async fn get_user(&self, colonyname: &str, name: &str) -> Result<User> {
        let message = messages::GetUser {
            colonyname: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await
    }

    /// A user, by colony and ID.
    pub async fn get_user_by_id(&self, colonyname: &str, userid: &str) -> Result<User> {
        let message = messages::GetUserById {
            colonyname: colonyname.into(),
            userid: userid.into(),
        };
        self.call(&message).await
    }

    /// Moves the calling user to a new key with ID `userid` (signed by the user).
    pub async fn change_user_id(&self, colonyname: &str, userid: &str) -> Result<()> {
        let message = messages::ChangeUserId {
            colonyname: colonyname.into(),
            userid: userid.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Executors ----------------------------------------------------------------------------

    /// Registers an executor (signed by the colony key); it starts PENDING.
    pub async fn add_executor(&self, executor: &Executor) -> Result<Executor> {
        if executor.executorname.contains(':') {
            return Err(Error::invalid_argument(format!(
                "executor name {:?} must not contain ':'",
                executor.executorname
            )));
        }
        let message = messages::AddExecutor {
            executor: executor.clone(),
        };
        self.call(&message).await
    }

    /// An executor, by colony and name.
    pub async fn get_executor(&self, colonyname: &str, executorname: &str) -> Result<Executor> {
        let message = messages::GetExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await
    }

    /// The executors of a colony.
    pub async fn get_executors(&self, colonyname: &str) -> Result<Vec<Executor>> {
        let message = messages::GetExecutors {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Approves a pending executor (signed by the colony key).
    pub async fn approve_executor(&self, colonyname: &str, executorname: &str) -> Result<()> {
        let message = messages::ApproveExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Rejects an executor (signed by the colony key).
    pub async fn reject_executor(&self, colonyname: &str, executorname: &str) -> Result<()> {
        let message = messages::RejectExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Unregisters an executor (signed by the colony key).
    pub async fn remove_executor(&self, colonyname: &str, executorname: &str) -> Result<()> {
        let message = messages::RemoveExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// An executor, by ID.
    pub async fn get_executor_by_id(&self, colonyname: &str, executorid: &str) -> Result<Executor> {
        let message = messages::GetExecutorById {
            colonyname: colonyname.into(),
            executorid: executorid.into(),
        };
        self.call(&message).await
    }

    /// Reports the calling executor's resource allocations (free-form JSON).
    pub async fn report_allocations(
        &self,
        colonyname: &str,
        executorname: &str,
        allocations: Value,
    ) -> Result<()> {
        let message = messages::ReportAllocations {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
            allocations,
        };
        self.call(&message).await.map(drop)
    }

    /// Updates the calling executor's capabilities (free-form JSON).
    pub async fn update_executor(
        &self,
        colonyname: &str,
        executorname: &str,
        capabilities: Value,
    ) -> Result<()> {
        let message = messages::UpdateExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
            capabilities,
        };
        self.call(&message).await.map(drop)
    }

    /// Moves the calling executor to a new key with ID `executorid` (signed by the executor).
    pub async fn change_executor_id(&self, colonyname: &str, executorid: &str) -> Result<()> {
        let message = messages::ChangeExecutorId {
            colonyname: colonyname.into(),
            executorid: executorid.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Functions ----------------------------------------------------------------------------

    /// Registers a function of the calling executor.
    pub async fn add_function(&self, function: &Function) -> Result<Function> {
        let message = messages::AddFunction {
            fun: function.clone(),
        };
        self.call(&message).await
    }

    /// The functions of one executor, or of the whole colony when `executorname` is empty.
    pub async fn get_functions(
        &self,
        colonyname: &str,
        executorname: &str,
    ) -> Result<Vec<Function>> {
        let message = messages::GetFunctions {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a function of the calling executor.
    pub async fn remove_function(&self, functionid: &str) -> Result<()> {
        let message = messages::RemoveFunction {
            functionid: functionid.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Locations ----------------------------------------------------------------------------

    /// Adds a location (signed by the colony key).
    pub async fn add_location(&self, location: &Location) -> Result<Location> {
        let message = messages::AddLocation {
            location: location.clone(),
        };
        self.call(&message).await
    }

    /// The locations of a colony.
    pub async fn get_locations(&self, colonyname: &str) -> Result<Vec<Location>> {
        let message = messages::GetLocations {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// A location, by colony and name.
    pub async fn get_location(&self, colonyname: &str, name: &str) -> Result<Location> {
        let message = messages::GetLocation {
            colonyname: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await
    }

    /// Removes a location (signed by the colony key).
    pub async fn remove_location(&self, colonyname: &str, name: &str) -> Result<()> {
        let message = messages::RemoveLocation {
            colonyname: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await.map(drop)
    }
}
