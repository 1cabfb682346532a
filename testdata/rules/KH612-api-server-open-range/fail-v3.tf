# Provider 3.x: api_server_authorized_ip_ranges at the top level of the cluster.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.117"
    }
  }
}

provider "azurerm" {
  features {}
}

data "azurerm_client_config" "current" {}

variable "admin_group_object_id" {
  description = "Object ID of the Entra group that administers the clusters."
  type        = string
}

resource "azurerm_resource_group" "aks" {
  name     = "rg-aks-prod"
  location = "westeurope"
}

resource "azurerm_log_analytics_workspace" "aks" {
  name                = "log-aks-prod"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  sku                 = "PerGB2018"
  retention_in_days   = 30
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-prod"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = "aks-prod"
  sku_tier            = "Standard"

  automatic_channel_upgrade         = "patch"
  node_os_channel_upgrade           = "NodeImage"
  role_based_access_control_enabled = true
  local_account_disabled            = true
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  azure_policy_enabled              = true
  image_cleaner_enabled             = true
  image_cleaner_interval_hours      = 168
  api_server_authorized_ip_ranges   = [
    "203.0.113.0/24",
    "0.0.0.0/0",
  ]

  default_node_pool {
    name                         = "system"
    vm_size                      = "Standard_D4ds_v5"
    node_count                   = 3
    zones                        = ["1", "2", "3"]
    os_sku                       = "AzureLinux"
    only_critical_addons_enabled = true
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    load_balancer_sku   = "standard"
  }

  azure_active_directory_role_based_access_control {
    managed                = true
    tenant_id              = data.azurerm_client_config.current.tenant_id
    admin_group_object_ids = [var.admin_group_object_id]
    azure_rbac_enabled     = true
  }

  microsoft_defender {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.aks.id
  }

  maintenance_window_auto_upgrade {
    frequency   = "Weekly"
    interval    = 1
    day_of_week = "Sunday"
    duration    = 4
    start_time  = "02:00"
    utc_offset  = "+00:00"
  }

  maintenance_window_node_os {
    frequency   = "Weekly"
    interval    = 1
    day_of_week = "Saturday"
    duration    = 4
    start_time  = "02:00"
    utc_offset  = "+00:00"
  }
  tags = {
    environment = "production"
    workload    = "shop"
  }
}
